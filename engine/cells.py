"""Sentences as cell strings, the text rule programs run over (the format is in `engine.codegen`).

Each token is a cell: `\\x1d`, the tags of the spans that start there (longest first), `\\x1e`
its fold, `\\x1f` its normalized text, `\\x1c`, the ids of the spans that end there; a sentence's
cells stand between two `\\x1a`. `SentenceCells` keeps the tags of one document's tokens as
typed spans are found, and the encoding of each sentence, made again only after its tags change:
then only its tagged tokens are rebuilt, the rest of the sentence is kept from its first
encoding.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from .prefilter import SENTENCE_START, builtin_starts_in
from .text import Sentence, Token


@dataclass
class Encoded:
    """A sentence (or the document) as a cell string, with the token index of each cell."""

    text: str
    cell_starts: list[int]
    first_token: int
    cells_of: dict[str, list[int]] | None = None  # feature -> indexes of the cells holding it

    def starts_of(self, features: frozenset[str]) -> list[int]:
        """Cell offsets where a token with one of `features` (a word, `#TYPE` or a start
        feature of `engine.prefilter`) begins."""
        cells_of = self.cells_of or {}
        found = [cells_of[f] for f in features if f in cells_of]
        cells = found[0] if len(found) == 1 else sorted({c for group in found for c in group})
        starts = self.cell_starts
        return [starts[c] for c in cells]


class SentenceCells:
    """The tags of a document's tokens and the cell encoding of its sentences.

    `builtin_starts` are the built-in types (and their start features) that some rule's
    matches begin with, so their cells are indexed too.
    """

    def __init__(self, tokens: list[Token], sentences: list[Sentence],
                 builtin_starts: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.sentences = sentences
        self._builtin_starts = builtin_starts
        self._firsts = [sentence.first_token for sentence in sentences]
        # Tags of the tokens that have any, by token index (most have none).
        self._start_tags: dict[int, list[tuple[int, str]]] = {}
        self._end_tags: dict[int, list[str]] = {}
        self._tagged: dict[int, set[int]] = {}  # sentence -> its tokens with tags
        self._start_fields: dict[int, tuple[int, str]] = {}  # token -> (tag count, its field)
        self._untagged: dict[int, tuple[list[str], dict[str, list[int]]]] = {}
        self._encoded: dict[int, Encoded] = {}

    def sentence_of(self, token: int) -> int:
        """The index of the sentence holding a token (a sentence without tokens starts where
        the next one does, so the last sentence starting at or before the token holds it)."""
        return bisect_right(self._firsts, token) - 1

    def tag_span(self, first: int, last: int, start_tags: list[str], end_tag: str) -> set[int]:
        """Tag a span over tokens [first, last); the sentences it touches."""
        self._start_tags.setdefault(first, []).extend((last - first, tag) for tag in start_tags)
        self._end_tags.setdefault(last - 1, []).append(end_tag)
        touched = set()
        for token in (first, last - 1):
            sentence = self.sentence_of(token)
            self._tagged.setdefault(sentence, set()).add(token)
            self._encoded.pop(sentence, None)
            touched.add(sentence)
        return touched

    def tag_token(self, token: int, tags: list[str]) -> None:
        """Tag one token with zero-width tags (its token classes)."""
        self._start_tags.setdefault(token, []).extend((0, tag) for tag in tags)
        sentence = self.sentence_of(token)
        self._tagged.setdefault(sentence, set()).add(token)
        self._encoded.pop(sentence, None)

    def encoded(self, index: int) -> Encoded:
        """A sentence's cells as its tags stand now."""
        enc = self._encoded.get(index)
        if enc is None:
            enc = self._encoded[index] = self._encode(index)
        return enc

    def encoded_document(self) -> Encoded:
        """Every sentence's cells, one after the other (for document-scope rules)."""
        parts, cell_starts, offset = [], [], 0
        for index in range(len(self.sentences)):
            enc = self.encoded(index)
            parts.append(enc.text)
            cell_starts.extend(offset + c for c in enc.cell_starts)
            offset += len(enc.text)
        return Encoded("".join(parts), cell_starts, 0)

    def _encode(self, index: int) -> Encoded:
        first = self.sentences[index].first_token
        plain_cells, word_cells = self._untagged_cells(index)
        cells = plain_cells.copy()
        cells_of = word_cells.copy()
        starts, ends = self._start_tags, self._end_tags
        for i in sorted(self._tagged.get(index, ())):
            tags, end_tags = starts.get(i), ends.get(i)
            cell = i - first
            if tags:
                cells[cell] = "\x1d" + self._start_field(i, tags) + plain_cells[cell][1:]
                for _, tag in tags:
                    cells_of.setdefault("#" + tag.partition("#")[0], []).append(cell)
            if end_tags:
                cells[cell] += ";" + ";".join(end_tags) + ";"
        cell_starts = list(accumulate(map(len, cells), initial=1))
        cell_starts.pop()
        return Encoded("\x1a" + "".join(cells) + "\x1a", cell_starts, first, cells_of)

    def _untagged_cells(self, index: int) -> tuple[list[str], dict[str, list[int]]]:
        """A sentence's cells without tags, and the cells of each word and start feature
        (found once per sentence: only the tags change between encodings)."""
        found = self._untagged.get(index)
        if found is None:
            sentence = self.sentences[index]
            tokens = self.tokens[sentence.first_token:sentence.last_token]
            cells = [f"\x1d\x1e{tok.fold}\x1f{tok.norm}\x1c" for tok in tokens]
            cells_of: dict[str, list[int]] = {SENTENCE_START: [0]} if tokens else {}
            for cell, tok in enumerate(tokens):
                cells_of.setdefault(tok.fold, []).append(cell)
            for type_name, feature in self._builtin_starts:
                cells_of[feature] = builtin_starts_in(type_name, tokens)
            found = self._untagged[index] = (cells, cells_of)
        return found

    def _start_field(self, token: int, tags: list[tuple[int, str]]) -> str:
        """The start tags of a token, longest span first (kept until its tags change: they
        only ever grow)."""
        known = self._start_fields.get(token)
        if known is None or known[0] != len(tags):
            ordered = sorted(tags, key=lambda t: -t[0])
            field = ";" + ";".join(tag for _, tag in ordered) + ";"
            known = self._start_fields[token] = (len(tags), field)
        return known[1]
