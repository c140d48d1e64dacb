"""dataset.txt: 5,000 binarised MNIST digits, interleaved by digit, last 1,000 rows = test set."""
import hashlib
import pathlib
import re

import pytest

DATASET = pathlib.Path(__file__).resolve().parent.parent / "dataset.txt"
SHA256 = "59f5d92196415a56fe238f03c48b6c8c846e248744c4eb44baac23e0b40cce93"
ROW = re.compile(r"[0-9] [01]{784}\n")


def read_rows(data):
    return data.decode("ascii").splitlines(keepends=True)


def check_row_count(rows):
    assert len(rows) == 5000


def check_row_format(rows):
    bad = [number for number, row in enumerate(rows, 1) if not ROW.fullmatch(row)]
    assert not bad, f"malformed rows (1-based): {bad[:10]}"


def check_digit_counts(rows):
    counts = [sum(row[0] == str(digit) for row in rows) for digit in range(10)]
    assert counts == [500] * 10


def check_interleaved(rows):
    wrong = [i for i, row in enumerate(rows) if row[0] != str(i % 10)]
    assert not wrong, f"rows whose label is not row mod 10: {wrong[:10]}"


def check_test_split_balanced(rows):
    counts = [sum(row[0] == str(digit) for row in rows[-1000:]) for digit in range(10)]
    assert counts == [100] * 10


def check_sha256(data):
    assert hashlib.sha256(data).hexdigest() == SHA256


@pytest.fixture(scope="module")
def data():
    return DATASET.read_bytes()


@pytest.mark.parametrize("check", [check_row_count, check_row_format, check_digit_counts,
                                   check_interleaved, check_test_split_balanced])
def test_dataset_property(data, check):
    check(read_rows(data))


def test_dataset_sha256(data):
    check_sha256(data)


def swapped(rows, first, second):
    rows = list(rows)
    rows[first], rows[second] = rows[second], rows[first]
    return rows


# Each property check must reject a copy of the dataset broken in just that property.
CORRUPTIONS = [
    (check_row_count, lambda rows: rows[:-10]),
    (check_row_format, lambda rows: rows[:7] + [rows[7].replace("0", "2", 1)] + rows[8:]),
    (check_digit_counts, lambda rows: rows[:3] + ["4" + rows[3][1:]] + rows[4:]),
    (check_interleaved, lambda rows: swapped(rows, 0, 1)),
    (check_test_split_balanced, lambda rows: swapped(rows, 3, 4004)),
]


@pytest.mark.parametrize("check, corrupt", CORRUPTIONS)
def test_check_rejects_corrupted_copy(data, check, corrupt):
    with pytest.raises(AssertionError):
        check(corrupt(read_rows(data)))


def test_sha256_rejects_one_flipped_pixel(data):
    flipped = data[:2] + (b"1" if data[2:3] == b"0" else b"0") + data[3:]
    with pytest.raises(AssertionError):
        check_sha256(flipped)
