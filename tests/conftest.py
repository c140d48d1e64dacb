"""The task scripts that tests/task_checks.py runs in this process draw their figures off screen: Matplotlib's
backend is Agg before anything imports pyplot, so their figures stay in memory and plt.show() returns at once."""
import matplotlib

matplotlib.use("Agg")
