"""What MkSlides 2.0.23 hands a deck's ``preprocess_script`` and what it renders from
the answer: ``mkslides_preprocess.py DECK SCRIPT`` prints the Markdown MkSlides would
render, read as ``MarkupGenerator.__create_md_file_to_process`` reads it (UTF-8 with BOM,
``frontmatter.parse``, ``emojize(language="alias")``) and passed through the function
MkSlides' own ``load_preprocessing_function`` loads from *SCRIPT*."""

from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).parent / ".lib"))

import frontmatter  # noqa: E402
from emoji import emojize  # noqa: E402
from mkslides.preprocess import load_preprocessing_function  # noqa: E402


def main(deck: str, script: str) -> None:
    content = Path(deck).read_text(encoding="utf-8-sig")
    _metadata, markdown = frontmatter.parse(content)
    markdown = emojize(markdown, language="alias")
    preprocess = load_preprocessing_function(script)
    if not preprocess:
        raise ImportError(script)
    sys.stdout.write(preprocess(markdown))


if __name__ == "__main__":
    main(*sys.argv[1:])
