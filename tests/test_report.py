"""assignment2.pdf and the README's results, as tools/make_report.py builds them from report/*.json."""
import json
import re

import pypdf
import pytest

from benchmark import REPO, formatted
from make_report import PDF, README, RESULTS, RESULTS_BLOCK, TASKS, WINDOWS, build, readme_results, window_png

# The numbers each figure's caption quotes from the run that drew it.
FIRST_RUN_KEYS = ["Test accuracy (%)", "Test classification accuracy (%)", "Duration (s)",
                  "Duration (reference epochs)", "Parameters", "Epochs trained", "Epoch kept"]
SECTIONS = ["Task 1: Autoencoder", "Task 2: Multi-task learning", "Task 1: design", "Task 2: design", "Appendix",
            "Results against the references", "The exploration behind the design", "Where the time went",
            "How it scales", "What the thought vectors hold", "A closer look at the test digits"]
OLD_RECORD_SECTIONS = {"Where the time went": "step times"}  # shown while results.json copies in that old record
BODY_PAGES = 4  # a page of each task's three windows and a page of design for each task; the rest is the appendix


@pytest.fixture(scope="module")
def results():
    return json.loads(RESULTS.read_text())


@pytest.fixture(scope="module")
def text():
    return " ".join(page.extract_text() for page in pypdf.PdfReader(PDF).pages)


def test_pdf_is_under_2_mb_with_each_task_s_three_windows_on_a_page_of_their_own_first():
    pages = [page.extract_text() for page in pypdf.PdfReader(PDF).pages]
    assert PDF.stat().st_size < 2 * 1024 * 1024
    assert "Task 1: Autoencoder" in pages[0] and "Task 2: Multi-task learning" in pages[1]
    assert [len(page.images) for page in pypdf.PdfReader(PDF).pages[:2]] == [len(WINDOWS)] * 2


def test_the_body_before_the_appendix_is_at_most_4_pages():
    pages = [page.extract_text() for page in pypdf.PdfReader(PDF).pages]
    appendix = next(number for number, page in enumerate(pages) if "Appendix: the record behind the design" in page)
    assert appendix <= BODY_PAGES  # the appendix starts on page BODY_PAGES + 1 at the latest


def test_pdf_has_its_sections_in_order(text, results):
    sections = [section for section in SECTIONS if OLD_RECORD_SECTIONS.get(section, "results") in results]
    positions = [text.find(section) for section in sections]
    assert -1 not in positions, [section for section, position in zip(sections, positions) if position == -1]
    assert positions == sorted(positions)


def test_pdf_shows_the_charts_of_both_tasks():
    images = [image for page in pypdf.PdfReader(PDF).pages for image in page.images]
    assert len(images) >= 2 * len(WINDOWS) + 4  # each task's windows, the trade-off, the sizes, the test digits twice


def test_pdf_quotes_the_numbers_of_its_json(text, results):
    for task, data in results["tasks"].items():
        for key, value in data["runs"][0].items():  # the run whose figure the PDF shows, and its caption's numbers
            if key in FIRST_RUN_KEYS:
                assert formatted(key, value) in text.replace(",", ""), (task, key)
        median = data["summary"]["Test accuracy (%)"]["median"]
        assert f"{median:.2f}" in text, task
    assert f"{results['analysis']['task2']['Test classification accuracy (%)']:.2f}" in text


def test_every_decimal_number_in_the_pdf_comes_from_the_json(text, results):
    """No measured number is typed into the report: each decimal the PDF shows is one of the JSON files'."""
    record = json.loads((REPO / "report" / "exploration_record.json").read_text())
    known = set()

    def collect(value):
        if isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            known.update(f"{abs(value):.{decimals}f}" for decimals in range(4))  # numbers below are found without sign
            known.update(f"{100 - value:.{decimals}f}" for decimals in range(4))  # error rates
            known.add(str(value))
        elif isinstance(value, str):
            known.update(re.findall(r"\d+(?:\.\d+)+", value))
    collect(results)
    collect(record)
    shown = re.findall(r"(?<![\d.])\d+\.\d+(?:\.\d+)*", text.replace(",", ""))
    assert shown, "no decimal number found in the PDF text"
    unknown = sorted(set(shown) - known)
    assert not unknown, f"numbers in the PDF that no JSON holds: {unknown}"


def test_build_from_json_reproduces_the_committed_pdf_and_readme(results, tmp_path, text):
    readme = tmp_path / "README.md"
    readme.write_text(README.read_text())
    build(results, pdf=tmp_path / "assignment2.pdf", readme=readme)
    rebuilt = " ".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / "assignment2.pdf").pages)
    assert rebuilt == text
    assert readme.read_text() == README.read_text()


def test_readme_results_block_is_the_json_s(results):
    block = RESULTS_BLOCK.search(README.read_text())
    assert block and block.group(0) == block.group(1) + readme_results(results) + block.group(2)
    for task in TASKS:
        assert re.search(rf"^\| {task}, \d+ runs \| min \| median \| max \|$", block.group(0), re.MULTILINE)
        for window in WINDOWS:
            path = window_png(task, window)
            assert f"![task {task[-1]}: {window}]({path.relative_to(REPO).as_posix()})" in block.group(0)
            assert path.read_bytes().startswith(b"\x89PNG")
