"""The segmented document every stage of paralign works on.

A :class:`Document` is a sequence of :class:`Sentence` objects grouped into paragraphs. Each
sentence keeps its *original* text (exactly the characters of the input, after the reader's
cleaning of line endings and invisible characters) and its character span in
:attr:`Document.text`, so that any output can show what the user gave and trace a sentence
back to its place. The *matching view* (:attr:`Sentence.norm`, e.g. Traditional Chinese turned
into Simplified) is what encoders and scorers see; it never reaches an output file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

__all__ = ["Sentence", "Document"]


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence.

    Attributes:
        text: the original text of the sentence, byte for byte as in the input.
        norm: the matching view (Simplified Chinese, folded punctuation); equals ``text``
            when no normalization applies.
        paragraph: 0-based index of the paragraph the sentence belongs to.
        start, end: character span of ``text`` in :attr:`Document.text` (``-1`` when the
            document was built from a list of sentences and has no running text).
    """

    text: str
    norm: str = ""
    paragraph: int = 0
    start: int = -1
    end: int = -1

    def __post_init__(self) -> None:
        if not self.norm:
            object.__setattr__(self, "norm", self.text)


@dataclass(frozen=True)
class Document:
    """A segmented text: sentences in order, grouped into paragraphs.

    Attributes:
        sentences: the sentences, in reading order.
        lang: ``"zh"``, ``"en"`` or ``"other"``.
        script: ``"Hant"``, ``"Hans"`` or ``"Latn"`` (``None`` if unknown).
        text: the full (cleaned) input that sentence spans point into; ``None`` for
            documents built from a list of sentences.
        source: where the text came from (a file path), for messages and metadata.
        encoding: the encoding the input was decoded from, when it was read from bytes.
    """

    sentences: tuple[Sentence, ...]
    lang: str = "other"
    script: str | None = None
    text: str | None = None
    source: str | None = None
    encoding: str | None = None
    meta: dict[str, str] = field(default_factory=dict, compare=False)

    # -- sequence protocol -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.sentences)

    @overload
    def __getitem__(self, i: int) -> Sentence: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[Sentence, ...]: ...
    def __getitem__(self, i: int | slice) -> Sentence | tuple[Sentence, ...]:
        return self.sentences[i]

    def __iter__(self) -> Iterator[Sentence]:
        return iter(self.sentences)

    # -- views ---------------------------------------------------------------------------
    @property
    def texts(self) -> list[str]:
        """Original sentence texts."""
        return [s.text for s in self.sentences]

    @property
    def norms(self) -> list[str]:
        """Matching-view sentence texts (what encoders see)."""
        return [s.norm for s in self.sentences]

    @property
    def paragraphs(self) -> list[list[Sentence]]:
        """Sentences grouped by paragraph, in order (empty paragraphs are not kept)."""
        out: list[list[Sentence]] = []
        last: int | None = None
        for s in self.sentences:
            if s.paragraph != last:
                out.append([])
                last = s.paragraph
            out[-1].append(s)
        return out

    @property
    def paragraph_starts(self) -> list[int]:
        """Sentence indices at which a new paragraph begins (always includes 0 if non-empty)."""
        starts: list[int] = []
        last: int | None = None
        for i, s in enumerate(self.sentences):
            if s.paragraph != last:
                starts.append(i)
                last = s.paragraph
        return starts

    @property
    def tag(self) -> str:
        """BCP 47 tag: ``zh-Hant``, ``zh-Hans``, ``en`` or ``und``."""
        if self.lang == "zh":
            return f"zh-{self.script}" if self.script in ("Hant", "Hans") else "zh"
        if self.lang == "en":
            return "en"
        return "und"

    def join(self, indices: Sequence[int], *, norm: bool = False) -> str:
        """Text of consecutive sentences joined the way the language writes them.

        Chinese sentences are concatenated; English ones are separated by a space.
        """
        parts = [(self.sentences[i].norm if norm else self.sentences[i].text) for i in indices]
        return self.joiner.join(parts)

    @property
    def joiner(self) -> str:
        """What goes between consecutive sentences of this language: "" for Chinese, else " "."""
        return "" if self.lang == "zh" else " "

    def __repr__(self) -> str:
        n_par = len(self.paragraph_starts)
        src = f", source={self.source!r}" if self.source else ""
        return f"<Document {self.tag}: {len(self)} sentences, {n_par} paragraphs{src}>"
