"""assignment2.pdf and the README's results, as tools/make_report.py builds them from report/*.json."""
import json
import math
import re

import pypdf
import pytest

from benchmark import REPO, formatted
from make_report import (
    CONSOLE_BLOCK,
    PDF,
    README,
    RESULTS,
    RESULTS_BLOCK,
    TASKS,
    WINDOWS,
    build,
    readme_console,
    readme_results,
    window_png,
)
from run_script import png_width

# The numbers each figure's caption quotes from the run that drew it.
FIRST_RUN_KEYS = ["Test accuracy (%)", "Test classification accuracy (%)", "Duration (s)", "Parameters",
                  "Epochs trained", "Epoch kept"]
SECTIONS = ["Task 1: Autoencoder", "Task 2: Multi-task learning", "Task 1: design", "Task 2: design", "Appendix",
            "The benchmark", "The exploration behind the design", "How it scales", "What the thought vectors hold",
            "A closer look at the test digits"]
BODY_PAGES = 4  # a page of each task's three windows and a page of design for each task; the rest is the appendix
APPENDIX_PAGES = 4
SMALLEST_TEXT = 7  # points, as printed: the smallest text the PDF and its charts may show
README_WORDS = 1500
README_COMMANDS_WITHIN, README_RUN_WITHIN = 25, 60  # lines
# The committed JSON files every number of the PDF and the README comes from.
NUMBER_SOURCES = [REPO / "report" / "results.json", REPO / "report" / "exploration_record.json",
                  REPO / "report" / "stack_matrix.json", REPO / "tools" / "stacks.json"]


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


def test_the_body_is_at_most_4_pages_and_the_appendix_at_most_4():
    pages = [page.extract_text() for page in pypdf.PdfReader(PDF).pages]
    appendix = next(number for number, page in enumerate(pages) if "Appendix: the record behind the design" in page)
    assert appendix <= BODY_PAGES  # the appendix starts on page BODY_PAGES + 1 at the latest
    assert len(pages) - appendix <= APPENDIX_PAGES


def scale(matrix):
    """How much a PDF transformation matrix (a, b, c, d, e, f) enlarges lengths along its y axis."""
    return math.hypot(matrix[2], matrix[3])


def test_every_text_in_the_pdf_is_at_least_7_pt():
    sizes = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.append(size * scale(tm) * scale(cm))
    for page in pypdf.PdfReader(PDF).pages:
        page.extract_text(visitor_text=visit)
    assert sizes and min(sizes) >= SMALLEST_TEXT - 0.05, min(sizes)


def placed_images(page):
    """Each image drawn on a page: its width in pixels and the width it is drawn at, in points."""
    widths = []

    def visit(operator, operands, cm, tm):
        if operator == b"Do":
            widths.append((operands[0], math.hypot(cm[0], cm[1])))
    page.extract_text(visitor_operand_before=visit)
    xobjects = page["/Resources"].get("/XObject", {})
    return [(xobjects[name].get_object()["/Width"], points) for name, points in widths
            if xobjects[name].get_object()["/Subtype"] == "/Image"]


def test_every_chart_s_smallest_text_is_at_least_7_pt_as_placed(results):
    """Each image in the PDF is one of the charts whose size and smallest text results.json records (the windows as
    the scripts draw them, the report's own charts): that text, scaled as the image is placed, is 7 pt or more."""
    charts = results["charts"]
    for path, chart in charts.items():
        assert png_width(REPO / path) == chart["width (px)"], path  # the PNG is the chart recorded
    placed = [image for page in pypdf.PdfReader(PDF).pages for image in placed_images(page)]
    assert len(placed) >= 2 * len(WINDOWS) + 4
    for pixels, points in placed:
        same_width = [chart for chart in charts.values() if chart["width (px)"] == pixels]
        assert same_width, f"an image {pixels} pixels wide that results.json does not record"
        for chart in same_width:
            printed = chart["smallest text (pt)"] * points / (pixels / chart["dpi"] * 72)
            assert printed >= SMALLEST_TEXT, (chart, points, printed)


def test_pdf_names_no_tool_issue_or_commit(text):
    """The PDF stands alone: a marker receives it with the two scripts, not the repository's tools or history."""
    assert "tools/" not in text and ".json" not in text
    assert not re.search(r"\bissues? \d", text, re.IGNORECASE)
    assert not re.search(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b", text)


def test_pdf_has_its_sections_in_order(text):
    positions = [text.find(section) for section in SECTIONS]
    assert -1 not in positions, [section for section, position in zip(SECTIONS, positions) if position == -1]
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


def known_numbers():
    """Every number the committed JSON files hold, as the PDF and the README may show it: at 0 to 3 decimals, and
    the numbers inside their strings (a version such as 2.13.1 also as 2.13)."""
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
            known.add(str(value))
        elif isinstance(value, str):
            for found in re.findall(r"\d+(?:\.\d+)+", value):
                known.update([found, ".".join(found.split(".")[:2])])
    for source in NUMBER_SOURCES:
        collect(json.loads(source.read_text()))
    return known


def decimals_in(text):
    """The decimal numbers of a text, but for section numbers (a heading's "5.3 How it scales", "Section 5.3")."""
    text = re.sub(r"Section\s\d+(?:\.\d+)*", "", text.replace(",", ""))
    for section in SECTIONS:
        text = re.sub(r"\d+(?:\.\d+)*\s*" + re.escape(section), "", text)
    return re.findall(r"(?<![\d.])\d+\.\d+(?:\.\d+)*", text)


def test_every_decimal_number_in_the_pdf_comes_from_the_json(text):
    """No measured number is typed into the report: each decimal the PDF shows is one of the JSON files'."""
    shown = decimals_in(text)
    assert shown, "no decimal number found in the PDF text"
    unknown = sorted(set(shown) - known_numbers())
    assert not unknown, f"numbers in the PDF that no JSON holds: {unknown}"


def test_every_decimal_number_in_the_readme_comes_from_the_json():
    """The README's numbers too: its console example and results are written from results.json, its prose quotes
    the scripts' hyperparameters (results.json's settings) and the stacks run (stack_matrix.json, stacks.json)."""
    shown = decimals_in(README.read_text())
    assert shown, "no decimal number found in the README"
    unknown = sorted(set(shown) - known_numbers())
    assert not unknown, f"numbers in the README that no JSON holds: {unknown}"


def test_readme_is_short_with_its_commands_and_a_run_s_numbers_first(results):
    text = README.read_text()
    lines = text.splitlines()
    words = len(re.sub(r"<!--.*?-->", "", text).split())
    assert words <= README_WORDS, words
    head = "\n".join(lines[:README_COMMANDS_WITHIN])
    for command in ("pip install -r requirements.txt", "python task1.py", "python task2.py", "python -m pytest"):
        assert command in head, command
    run = "\n".join(lines[:README_RUN_WITHIN])
    report = results["tasks"]["task2"]["runs"][0]
    assert f"Accuracy: {report['Test accuracy (%)']:.2f}%" in run
    assert f"Classification: {report['Test classification accuracy (%)']:.2f}%" in run


def test_build_from_json_reproduces_the_committed_pdf_and_readme(results, tmp_path, text):
    readme = tmp_path / "README.md"
    readme.write_text(README.read_text())
    build(results, pdf=tmp_path / "assignment2.pdf", readme=readme)
    rebuilt = " ".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / "assignment2.pdf").pages)
    assert rebuilt == text
    assert readme.read_text() == README.read_text()


def test_readme_results_and_console_blocks_are_the_json_s(results):
    console = CONSOLE_BLOCK.search(README.read_text())
    assert console and console.group(0) == console.group(1) + readme_console(results) + console.group(2)
    assert results["tasks"]["task2"]["console"].strip() in console.group(0)
    block = RESULTS_BLOCK.search(README.read_text())
    assert block and block.group(0) == block.group(1) + readme_results(results) + block.group(2)
    for task in TASKS:
        assert re.search(rf"^\| {task}, \d+ runs \| min \| median \| max \|$", block.group(0), re.MULTILINE)
        for window in WINDOWS:
            path = window_png(task, window)
            assert f"![task {task[-1]}: {window}]({path.relative_to(REPO).as_posix()})" in block.group(0)
            assert path.read_bytes().startswith(b"\x89PNG")
