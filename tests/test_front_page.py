"""What a reader meets first: the README's results table is the report's, and no internal word reaches a user."""
import re
import shutil

import pytest

from conftest import ROOT
from repro import registry
from repro.report import GLANCE_BEGIN, GLANCE_END, combine, glance, update_readme, write_report

# words only the developers understand: issue numbers, course documents by file number, the internal reference file
FORBIDDEN = [r"\bissues? \d+", r"\bseeds? 00\d\b", r"\bseed00\d", r"(?<![/\w])reference\.md", r"design card",
             r"\bref §", r"the issue asks"]


def user_facing_texts():
    """(name, text) of everything a user reads: README, docs, the report, configs, CLI help, figure titles."""
    from repro.cli import build_parser

    files = [ROOT / "README.md", ROOT / "results" / "REPORT.md", *sorted((ROOT / "docs").glob("*.md")),
             *sorted((ROOT / "paper_configs").glob("*.yaml"))]
    out = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in files]
    parser = build_parser()
    out.append(("python -m repro --help", parser.format_help()))
    for action in parser._subparsers._group_actions:  # every subcommand's --help
        for name, sub in action.choices.items():
            out.append((f"python -m repro {name} --help", sub.format_help()))
    # figure titles, legends and report prose are string literals of the package
    for p in sorted((ROOT / "repro").rglob("*.py")):
        out.append((str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")))
    return out


def test_no_internal_words_reach_a_user():
    found = [f"{name}: {m.group(0)!r}" for name, text in user_facing_texts() for pattern in FORBIDDEN
             for m in re.finditer(pattern, text)]
    assert not found, "internal words in user-facing text:\n" + "\n".join(found)


def test_the_word_check_fails_on_an_internal_word():
    assert any(re.search(p, "as issue 11 asks") for p in FORBIDDEN)
    assert any(re.search(p, "seed 002's figure") for p in FORBIDDEN)
    assert any(re.search(p, "see reference.md §3") for p in FORBIDDEN)
    assert not any(re.search(p, "see docs/references.md §3, seed 2") for p in FORBIDDEN)


def test_readme_table_is_what_report_writes_now(tmp_path):
    """The README's results-at-a-glance block, regenerated from the committed results files, is unchanged: the
    front page cannot drift from REPORT.md (run `python -m repro report` after changing results)."""
    shutil.copytree(ROOT / "results", tmp_path / "results")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    write_report(tmp_path / "results", readme=tmp_path / "README.md")

    def block(text):
        return text.split(GLANCE_BEGIN, 1)[1].split(GLANCE_END, 1)[0]

    committed = block((ROOT / "README.md").read_text(encoding="utf-8"))
    assert block((tmp_path / "README.md").read_text(encoding="utf-8")) == committed, \
        "README.md's results table differs from what `python -m repro report` writes: run it and commit"
    report = (tmp_path / "results" / "REPORT.md").read_text(encoding="utf-8")
    assert report.index("## Results at a glance") < report.index("## Goodfellow et al. 2014")
    assert "](figures/" in report  # figures are embedded, not only named
    for claim in glance(__import__("json").loads((tmp_path / "results" / "verification.json").read_text()), []):
        assert claim["rows"] or claim["verdict"] == "NOT RUN", f"claim without rows: {claim['claim']}"


def test_every_claim_names_rows_that_exist():
    import json

    ids = [r["id"] for r in json.loads((ROOT / "results" / "verification.json").read_text())]
    empty = [c.claim for c in registry.claims() if not any(c.matches(i) for i in ids)]
    # a claim may be NOT RUN, but then a NOT RUN row names it; a pattern matching nothing is a typo
    assert not empty, f"claims whose row patterns match no verification row: {empty}"


@pytest.mark.parametrize("statuses, verdict, ours", [
    (["PASS"], "PASS", "1"), (["PASS", "FAIL"], "FAIL", "1 of 2 pass"), (["PASS", "PASS"], "PASS", "2 of 2 pass"),
    (["NOT RUN"], "NOT RUN", "—"), ([], "NOT RUN", "—"),
])
def test_a_claims_verdict_is_the_worst_of_its_rows(statuses, verdict, ours):
    rows = [{"id": f"r{i}", "status": s, "reproduced": 1 if s != "NOT RUN" else None, "reported": 0}
            for i, s in enumerate(statuses)]
    assert combine(rows) == (verdict, ours)


def test_readme_update_keeps_everything_outside_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"head\n{GLANCE_BEGIN}\nold\n{GLANCE_END}\ntail\n")
    assert update_readme(readme, "new") == f"head\n{GLANCE_BEGIN}\nnew\n{GLANCE_END}\ntail\n"
    readme.write_text("no markers")
    assert update_readme(readme, "new") is None


def test_every_figure_the_results_table_links_exists_and_best_of_n_shows_the_best_run():
    """A claim's figure is its own or, where it names none, its row's (the best of N runs is whichever seed won)."""
    import json

    rows = json.loads((ROOT / "results" / "verification.json").read_text())
    claims = glance(rows, [])
    missing = [c["figure"] for c in claims if c["figure"] and not (ROOT / "results" / c["figure"]).exists()]
    assert not missing, f"the results table links figures that are not in results/: {missing}"
    best = next(r for r in rows if r["id"] == "infogan.protocol.paper.best_of_n")
    if best["status"] != "NOT RUN":
        seed = re.search(r"\(seed (\d+)\)", best["note"]).group(1)
        claim = next(c for c in claims if "infogan.protocol.paper.best_of_n" in c["rows"])
        assert claim["figure"] == f"figures/infogan_mnist-paper_recipe-seed{seed}-categorical.png"


def test_no_internal_words_in_the_committed_figures(tmp_path):
    """The suite writes each figure's text into its PNG (Description); the committed figures that carry it show no
    internal word. A figure drawn by a version before that field cannot be read this way: it must be redrawn."""
    import matplotlib.pyplot as plt
    from PIL import Image

    from repro.plotting import save

    fig, ax = plt.subplots()
    ax.set_title("as issue 11 asks")
    ax.plot([0, 1], label="seed 002's curve")
    ax.legend()
    saved = Image.open(save(fig, tmp_path / "x.png"))
    text = saved.text["Description"]
    assert "as issue 11 asks" in text and "seed 002's curve" in text  # what the check below reads
    assert saved.mode == "P"  # a 256-colour palette PNG, as every committed figure below
    found, not_palette = [], []
    for png in sorted((ROOT / "results" / "figures").glob("*.png")):
        image = Image.open(png)
        described = image.text.get("Description", "")
        found += [f"{png.name}: {m.group(0)!r}" for p in FORBIDDEN for m in re.finditer(p, described)]
        not_palette += [png.name] if image.mode != "P" else []
    assert not found, "internal words in committed figures:\n" + "\n".join(found)
    assert not not_palette, ("figures not written by plotting.save (RGBA, twice the bytes); redraw them or pass "
                             "them through plotting.write_palette_png:\n" + "\n".join(not_palette))
