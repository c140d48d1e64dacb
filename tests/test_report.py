"""assignment2.pdf and the README's results, as tools/make_report.py writes them."""
import pathlib
import re

import pypdf
import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pages():
    return pypdf.PdfReader(REPO / "assignment2.pdf").pages


@pytest.mark.parametrize("title", ["Task 1: Autoencoder: charts", "Task 2: Multi-task learning: charts"])
def test_pdf_has_a_page_per_task_with_its_charts(pages, title):
    task_pages = [page for page in pages if title in page.extract_text()]
    assert len(task_pages) == 1
    assert len(task_pages[0].images) >= 1


@pytest.mark.parametrize("task", ["task1", "task2"])
def test_pdf_quotes_the_report_of_the_run_it_shows(pages, task):
    text = "".join(page.extract_text() for page in pages)
    assert re.search(rf"{task}\.py, run 1 of \d+:\s*Test accuracy \(%\): \d+\.\d\d", text)


def test_readme_has_the_results_table_and_charts():
    readme = (REPO / "README.md").read_text()
    results = re.search(r"<!-- results -->\n(.*?)<!-- /results -->", readme, re.DOTALL).group(1)
    for task in ("task1", "task2"):
        assert re.search(rf"^\| {task}, \d+ runs \| min \| median \| max \|$", results, re.MULTILINE)
        assert f"![task {task[-1]} charts](docs/{task}.png)" in results
        assert (REPO / "docs" / f"{task}.png").read_bytes().startswith(b"\x89PNG")
    assert re.search(r"^\| Test accuracy \(%\) \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d \|$", results, re.MULTILINE)
