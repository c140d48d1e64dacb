"""dataset.txt and test.txt: binarised MNIST digits in the course's format and sizes (tools/make_dataset.py)."""
import hashlib
import pathlib
import re

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
# file -> (its SHA-256, images of each digit)
FILES = {"dataset.txt": ("7fe4a823969273693dac55399f0ec7f827dbd9f7dc9ef270802ee3c4806e3c04", 100),
         "test.txt": ("17ad1f4a2cbd706b0c1567b24d4262cc7efdf60f4305a6cbb342bbc71b02b843", 20)}
ROW = re.compile(r"[0-9]\t(?:[01]{28}-){27}[01]{28}\n")


def read_rows(data):
    return data.decode("ascii").splitlines(keepends=True)


def check_row_format(rows, per_digit):
    bad = [number for number, row in enumerate(rows, 1) if not ROW.fullmatch(row)]
    assert not bad, f"malformed rows (1-based): {bad[:10]}"


def check_digit_counts(rows, per_digit):
    counts = [sum(row[0] == str(digit) for row in rows) for digit in range(10)]
    assert counts == [per_digit] * 10


def check_sorted_by_digit(rows, per_digit):
    labels = [row[0] for row in rows]
    assert labels == sorted(labels)


def check_sha256(data, expected):
    assert hashlib.sha256(data).hexdigest() == expected


@pytest.fixture(scope="module", params=FILES)
def name(request):
    return request.param


@pytest.fixture(scope="module")
def data(name):
    return (REPO / name).read_bytes()


@pytest.mark.parametrize("check", [check_row_format, check_digit_counts, check_sorted_by_digit])
def test_file_property(name, data, check):
    check(read_rows(data), FILES[name][1])


def test_file_sha256(name, data):
    check_sha256(data, FILES[name][0])


def test_no_test_image_is_in_the_dataset():
    images = {row.split("\t")[1] for row in read_rows((REPO / "dataset.txt").read_bytes())}
    shared = [row for row in read_rows((REPO / "test.txt").read_bytes()) if row.split("\t")[1] in images]
    assert not shared


def swapped(rows, first, second):
    rows = list(rows)
    rows[first], rows[second] = rows[second], rows[first]
    return rows


# Each property check must reject a copy of a file broken in just that property.
CORRUPTIONS = [
    (check_row_format, lambda rows: rows[:7] + [rows[7].replace("\t", " ", 1)] + rows[8:]),
    (check_row_format, lambda rows: rows[:7] + [rows[7].replace("-", "", 1)] + rows[8:]),
    (check_row_format, lambda rows: rows[:7] + [rows[7].replace("0", "2", 2)] + rows[8:]),
    (check_digit_counts, lambda rows: rows[:-1]),
    (check_sorted_by_digit, lambda rows: swapped(rows, 0, -1)),
]


@pytest.mark.parametrize("check, corrupt", CORRUPTIONS)
def test_check_rejects_corrupted_copy(name, data, check, corrupt):
    with pytest.raises(AssertionError):
        check(corrupt(read_rows(data)), FILES[name][1])


def test_sha256_rejects_one_flipped_pixel(name, data):
    flipped = data[:2] + (b"1" if data[2:3] == b"0" else b"0") + data[3:]
    with pytest.raises(AssertionError):
        check_sha256(flipped, FILES[name][0])
