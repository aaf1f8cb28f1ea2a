"""An XLSX is a ZIP of XML: 0.5 MB can unpack to gigabytes. Before openpyxl sees a workbook,
its parts are checked by their declared sizes (a ZIP entry cannot unpack past its declared
size: Python stops and reports a bad CRC), then the shared strings and the first sheet are
streamed once, in chunks, to bound the number of strings and the longest text.

The longest text is measured as the longest run of bytes without `<`: XML text cannot hold a
raw `<`, so no cell text is longer than that run.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from webapp.lazy_text import _l

CHUNK = 256 * 1024


class ArchiveRefused(ValueError):
    """The workbook is beyond a limit; `message` is lazy and translatable."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class XlsxLimits:
    unpacked_bytes: int = 24 * 1024 * 1024  # all parts together
    sheet_bytes: int = 16 * 1024 * 1024  # one worksheet
    shared_strings_bytes: int = 8 * 1024 * 1024
    other_part_bytes: int = 2 * 1024 * 1024  # styles, workbook, relationships, themes
    parts: int = 200
    shared_strings: int = 200_000
    text_bytes: int = 32 * 1024  # one cell's text (Excel itself stops at 32,767 characters)


def _too_large() -> ArchiveRefused:
    return ArchiveRefused(_l("The XLSX file unpacks to more than we can read. Save it again "
                             "with only the payout rows, or upload it as CSV."))


def _limit_for(name: str, limits: XlsxLimits) -> int:
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return limits.sheet_bytes
    if name == "xl/sharedStrings.xml":
        return limits.shared_strings_bytes
    if name.startswith(("xl/media/", "docProps/thumbnail")):
        return limits.unpacked_bytes  # not read at all, only counted in the total
    return limits.other_part_bytes


def check_sizes(archive: zipfile.ZipFile, limits: XlsxLimits) -> None:
    infos = archive.infolist()
    if len(infos) > limits.parts:
        raise _too_large()
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > _limit_for(info.filename, limits) or total > limits.unpacked_bytes:
            raise _too_large()


def _chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    with archive.open(name) as part:
        while chunk := part.read(CHUNK):
            yield chunk


def longest_text_and_count(chunks: Iterator[bytes], marker: bytes) -> tuple[int, int]:
    """(longest run without `<`, occurrences of `marker`), reading chunk by chunk."""
    longest = run = count = 0
    tail = b""
    for chunk in chunks:
        pieces = chunk.split(b"<")
        if len(pieces) == 1:
            run += len(chunk)
        else:
            longest = max(longest, run + len(pieces[0]), *(len(p) for p in pieces[1:-1]))
            run = len(pieces[-1])
        longest = max(longest, run)
        window = tail + chunk
        count += window.count(marker) - tail.count(marker)
        tail = window[-(len(marker) - 1):] if len(marker) > 1 else b""
    return longest, count


def check_contents(archive: zipfile.ZipFile, limits: XlsxLimits) -> None:
    names = set(archive.namelist())
    too_long = ArchiveRefused(_l("A cell of the XLSX file holds more than %(count)s "
                                 "characters.", count=limits.text_bytes))
    if "xl/sharedStrings.xml" in names:
        longest, strings = longest_text_and_count(_chunks(archive, "xl/sharedStrings.xml"),
                                                  b"<si")
        if strings > limits.shared_strings:
            raise ArchiveRefused(_l("The XLSX file holds more than %(count)s different texts.",
                                    count=limits.shared_strings))
        if longest > limits.text_bytes:
            raise too_long
    for name in sorted(names):
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            longest, _cells = longest_text_and_count(_chunks(archive, name), b"<c ")
            if longest > limits.text_bytes:
                raise too_long


def check_xlsx(archive: zipfile.ZipFile, limits: XlsxLimits | None = None) -> None:
    """Raises `ArchiveRefused` when the workbook is beyond `limits`; reads at most the
    declared sizes, in chunks."""
    limits = limits or XlsxLimits()
    check_sizes(archive, limits)
    try:
        check_contents(archive, limits)
    except zipfile.BadZipFile as exc:  # a size that lied: the CRC check stops it
        raise ArchiveRefused(_l("The XLSX file cannot be read.")) from exc
