"""How well a set of vectors (thought vectors, or raw pixels) separates the digits: the measures behind the report's
"What the thought vectors hold", used by tools/fold_experiments.py on held-out folds and tools/make_report.py on
the test images. All are scikit-learn's.

- k-NN accuracy: leave-one-out NEIGHBOURS-nearest-neighbour vote, the share of points whose neighbours name their
  digit; in the 256-d space and in a 2-D T-SNE plane like the one the scripts' "Thought vectors" chart shows
  (scikit-learn's defaults but for 500 iterations instead of 1,000, as in every round of the fold experiments).
- silhouette by digit: from -1 to 1, how much nearer each point is to its own digit than to the next digit.
- nearest digits: for each digit, the other digit whose points are most often a point's nearest neighbour.
"""
import numpy as np
from sklearn.manifold import TSNE
from sklearn.metrics import confusion_matrix, silhouette_score
from sklearn.model_selection import LeaveOneOut, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier

NEIGHBOURS = 5
DIGITS = 10


def tsne_plane(vectors):
    """The 2-D T-SNE map of the vectors, as the scripts' "Thought vectors" chart draws it (in 500 iterations)."""
    return TSNE(n_components=2, max_iter=500).fit_transform(vectors)


def leave_one_out_votes(vectors, labels, neighbours):
    """Each point's digit as voted by its `neighbours` nearest other points."""
    return cross_val_predict(KNeighborsClassifier(n_neighbors=neighbours), vectors, labels, cv=LeaveOneOut())


def knn_accuracy(vectors, labels, neighbours=NEIGHBOURS):
    """Leave-one-out k-NN accuracy (%): the share of points whose `neighbours` nearest other points name their digit."""
    return 100 * float(np.mean(leave_one_out_votes(vectors, labels, neighbours) == labels))


def nearest_digits(vectors, labels):
    """A 10 x 10 table: row d counts, over the points of digit d, the digit of each one's nearest other point."""
    return confusion_matrix(labels, leave_one_out_votes(vectors, labels, 1), labels=range(DIGITS))


def separation(vectors, labels):
    """The k-NN accuracy (%) and the silhouette, in the vectors' own space and in their T-SNE plane."""
    plane = tsne_plane(vectors)
    return {"k-NN accuracy (%)": knn_accuracy(vectors, labels), "silhouette": float(silhouette_score(vectors, labels)),
            "T-SNE k-NN accuracy (%)": knn_accuracy(plane, labels),
            "T-SNE silhouette": float(silhouette_score(plane, labels))}
