"""The model version covers the labelling code: a changed rule cannot keep the old version, so
`train` relabels the records the old rules labelled."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from core.settings import PROJECT_DIR
from labels.code_digest import labelling_code_digest, labelling_code_files
from labels.config import DEFAULT_MODEL_PATH
from labels.model import load_models


def test_the_shipped_models_were_trained_under_this_labelling_code() -> None:
    shipped = load_models(DEFAULT_MODEL_PATH)
    assert shipped.code_digest == labelling_code_digest(), (
        "the labelling code changed since models/classifier.skops was trained: run "
        "`ketamine-evidence train` and commit the new models, card and README headline"
    )


def test_the_digest_covers_every_module_the_labeller_imports() -> None:
    """A module added to the labelling path must be in LABELLING_CODE, or its edits would
    keep the version."""
    probe = (
        "import sys, labels.model\n"
        "names = sorted(m.__file__ for k, m in sys.modules.items()\n"
        "    if k.split('.')[0] in ('core', 'labels', 'pubmed', 'claims', 'warehouse')\n"
        "    and getattr(m, '__file__', None))\n"
        "print('\\n'.join(names))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    ).stdout.split()
    imported = {Path(p).resolve() for p in out if not p.endswith("__init__.py")}
    covered = {p.resolve() for p in labelling_code_files()}
    assert imported, "the probe found no project modules"
    assert imported <= covered, sorted(str(p) for p in imported - covered)


def _copy_labelling_code(dest: Path) -> None:
    for path in labelling_code_files():
        target = dest / path.relative_to(PROJECT_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    shutil.copy2(PROJECT_DIR / "labels/card.py", dest / "labels/card.py")


def test_a_changed_rule_changes_the_digest_and_a_changed_card_does_not(tmp_path: Path) -> None:
    _copy_labelling_code(tmp_path)
    before = labelling_code_digest(tmp_path)
    assert before == labelling_code_digest()  # the copy is the same code

    card = tmp_path / "labels/card.py"
    card.write_text(card.read_text("utf-8") + "\n# a comment\n", "utf-8")
    assert labelling_code_digest(tmp_path) == before  # the card does not label

    rule = tmp_path / "labels/rules/design.py"
    rule.write_text(rule.read_text("utf-8").replace("double", "triple", 1), "utf-8")
    assert labelling_code_digest(tmp_path) != before


def test_line_endings_do_not_change_the_digest(tmp_path: Path) -> None:
    _copy_labelling_code(tmp_path)
    before = labelling_code_digest(tmp_path)
    text = tmp_path / "labels/text.py"
    text.write_bytes(text.read_bytes().replace(b"\n", b"\r\n"))
    assert labelling_code_digest(tmp_path) == before
