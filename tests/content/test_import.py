"""import_tree on SQLite and PostgreSQL: new versions are stored, nothing from a broken module."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.content.models import Lesson, MediaFile, Module, ModuleVersion
from lms.content.services import ImportEntry, import_tree
from tests.content.helpers import FIXTURE_TREE, copy_tree, edit

EN = "en/sample-module"


def versions(session: Session) -> list[tuple[str, str, int]]:
    rows = session.execute(
        select(ModuleVersion.module_id, ModuleVersion.language, ModuleVersion.version).order_by(
            ModuleVersion.module_id, ModuleVersion.language, ModuleVersion.version
        )
    )
    return [(module_id, language, version) for module_id, language, version in rows]


def stored(session: Session, module_id: str, language: str, version: int) -> ModuleVersion:
    return session.scalars(
        select(ModuleVersion).filter_by(module_id=module_id, language=language, version=version)
    ).one()


def test_fixture_tree_imports_every_language_with_rendered_html(session: Session) -> None:
    report = import_tree(session, FIXTURE_TREE)

    assert report.problems == []
    assert report.created == [
        ImportEntry("sample-module", "en", 1),
        ImportEntry("sample-module", "ko", 1),
        ImportEntry("sample-module", "zh", 1),
        ImportEntry("second-module", "en", 1),
    ]
    en = stored(session, "sample-module", "en", 1)
    assert (en.title, en.pass_mark, en.max_attempts, en.certificate_valid_months) == (
        "A sample module",
        75,
        3,
        24,
    )
    assert en.source_version is None
    assert en.objectives == ["Recognise a sample indicator.", "Know where to refer a person."]
    assert en.overview_source.startswith("This overview is shown")
    assert (
        '<a href="/modules/sample-module/lessons/01-first-steps" rel="noopener noreferrer">'
        "first lesson</a>"
    ) in en.overview_html
    assert en.quiz_source is not None and en.quiz_source.startswith("---\nshuffle: true")
    assert [(lesson.position, lesson.key, lesson.title) for lesson in en.lessons] == [
        (1, "01-first-steps", "First steps"),
        (2, "02-indicators", "Indicators in practice"),
    ]
    second_lesson = en.lessons[1]
    assert second_lesson.source.startswith("---\ntitle: Indicators in practice")
    assert en.lessons[0].html.startswith('<h1 id="first-steps">First steps</h1>')
    assert second_lesson.html.startswith("<h1>Indicators in practice</h1>\n<h2")
    assert 'src="/media/sample-module/en/1/elements.png"' in second_lesson.html
    assert '<h2 id="a-diagram">' in second_lesson.html
    [image] = en.media
    assert (image.path, image.content_type) == ("elements.png", "image/png")
    assert image.data == (FIXTURE_TREE / EN / "media" / "elements.png").read_bytes()

    zh = stored(session, "sample-module", "zh", 1)
    assert (zh.source_version, zh.pass_mark) == (1, 80)
    assert zh.quiz_source is not None and "## 庇护所里的一名妇女说" in zh.quiz_source
    assert [lesson.key for lesson in zh.lessons] == ["01-first-steps", "02-indicators"]
    assert stored(session, "second-module", "en", 1).prerequisites == ["sample-module"]


def test_unchanged_reimport_changes_nothing(session: Session) -> None:
    import_tree(session, FIXTURE_TREE)
    before = {mv.id: mv.imported_at for mv in session.scalars(select(ModuleVersion))}

    report = import_tree(session, FIXTURE_TREE)

    assert report.problems == [] and report.created == []
    assert len(report.unchanged) == 4
    after = {mv.id: mv.imported_at for mv in session.scalars(select(ModuleVersion))}
    assert after == before
    assert session.scalar(select(func.count()).select_from(Lesson)) == 7
    assert "sample-module: unchanged en v1, ko v1, zh v1" in report.summary()


def test_bumped_version_keeps_the_old_one_and_adds_the_new(
    session: Session, tmp_path: Path
) -> None:
    root = copy_tree(tmp_path)
    import_tree(session, root)
    edit(root, f"{EN}/01-first-steps.md", "A short lesson", "A revised lesson")
    edit(root, f"{EN}/module.md", "version: 1", "version: 2")

    report = import_tree(session, root)

    assert report.problems == []
    assert report.created == [ImportEntry("sample-module", "en", 2)]
    assert ("sample-module", "en", 1) in versions(session)
    assert ("sample-module", "en", 2) in versions(session)
    assert "A short lesson" in stored(session, "sample-module", "en", 1).lessons[0].html
    new = stored(session, "sample-module", "en", 2)
    assert "A revised lesson" in new.lessons[0].html
    assert 'src="/media/sample-module/en/2/elements.png"' in new.lessons[1].html
    assert "sample-module: new en v2; unchanged ko v1, zh v1" in report.summary()


def test_changed_content_without_a_bump_is_refused_and_stores_nothing(
    session: Session, tmp_path: Path
) -> None:
    root = copy_tree(tmp_path)
    import_tree(session, root)
    old_hash = stored(session, "sample-module", "en", 1).content_hash
    edit(root, f"{EN}/01-first-steps.md", "A short lesson", "A quietly changed lesson")
    edit(root, "ko/sample-module/module.md", "version: 1\n", "version: 2\n")  # a valid new ko

    report = import_tree(session, root)

    assert [str(p) for p in report.problems] == [
        f"{root / EN / 'module.md'}:4: content changed but version is still 1: bump `version`"
    ]
    assert report.refused == ["sample-module"]
    assert report.created == []
    assert ("sample-module", "ko", 2) not in versions(session)
    assert stored(session, "sample-module", "en", 1).content_hash == old_hash
    assert "A short lesson" in stored(session, "sample-module", "en", 1).lessons[0].html


def test_older_version_than_the_stored_one_is_refused(session: Session, tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    edit(root, "en/second-module/module.md", "version: 1", "version: 3")
    import_tree(session, root)
    edit(root, "en/second-module/module.md", "version: 3", "version: 2")

    report = import_tree(session, root)

    assert report.refused == ["second-module"]
    assert "version 2 is older than the imported version 3: use version 4" in str(
        report.problems[0]
    )


def test_failing_module_stores_nothing_while_a_good_one_imports(
    session: Session, tmp_path: Path
) -> None:
    root = copy_tree(tmp_path)
    edit(root, "zh/sample-module/module.md", "source_version: 1", "source_version: 5")

    report = import_tree(session, root)

    assert report.refused == ["sample-module"]
    assert report.created == [ImportEntry("second-module", "en", 1)]
    assert versions(session) == [("second-module", "en", 1)]
    assert session.get(Module, "sample-module") is None
    assert session.scalar(select(func.count()).select_from(MediaFile)) == 0
    assert [p.line for p in report.problems] == [5]
    summary = report.summary().splitlines()
    assert summary[0] == "sample-module: not imported, see the problems above"
    assert summary[-1] == "Total: 1 version imported, 0 unchanged, 1 module refused."
