# Copyright (c) irg_mm contributors. All rights reserved.
"""Publishing a grid's report into marked blocks of README, docs and the
model zoo."""
import pytest
from mmengine.config import Config

from irg_mm.grids import GridSpecError
from irg_mm.grids.publish import check_publish, check_targets, publish

PAGE = ('# Results\n\nintro\n<!-- results.md -->\nold table\n'
        '<!-- /results.md -->\nend\n')
METAFILE = ('Models:\n  # <!-- models -->\n  - Name: old\n'
            '  # <!-- /models -->\n')


def _report(folder) -> str:
    """A report folder as write_report leaves it."""
    folder.mkdir()
    (folder / 'results.md').write_text('| methods |\n|---|\n\n| tuning |\n')
    (folder / 'model_zoo.md').write_text('| row |\n')
    (folder / 'metafile.yml').write_text('  - Name: new\n')
    (folder / 'results.png').write_bytes(b'png')
    return str(folder)


def _repo(root, page: str = PAGE):
    (root / 'docs').mkdir(parents=True)
    (root / 'docs/page.md').write_text(page)
    (root / 'README.md').write_text('<!-- top -->\n<!-- /top -->\n')
    (root / 'metafile.yml').write_text(METAFILE)
    return root


def _spec(zoo: bool = True, **publish) -> Config:
    return Config(
        dict(
            model_zoo=dict(teacher='T', student='S') if zoo else None,
            publish=publish or {
                'docs/page.md': {
                    'results.md': 'results'
                },
                'README.md': {
                    'top': 'methods'
                },
                'metafile.yml': {
                    'models': 'metafile'
                },
                'docs/results.png': 'results.png',
            }))


def test_publish_replaces_only_the_blocks_and_copies_the_figure(tmp_path):
    root = _repo(tmp_path / 'repo')
    written = publish(_spec(), _report(tmp_path / 'report'), str(root))
    assert written == [
        'docs/page.md', 'README.md', 'metafile.yml', 'docs/results.png'
    ]
    assert (root / 'docs/page.md').read_text() == (
        '# Results\n\nintro\n<!-- results.md -->\n| methods |\n|---|\n\n'
        '| tuning |\n<!-- /results.md -->\nend\n')
    # README shows the first table only.
    assert (root / 'README.md').read_text() == (
        '<!-- top -->\n| methods |\n|---|\n<!-- /top -->\n')
    assert (root / 'metafile.yml').read_text() == (
        'Models:\n  # <!-- models -->\n  - Name: new\n  # <!-- /models -->\n')
    assert (root / 'docs/results.png').read_bytes() == b'png'


def test_publishing_twice_changes_nothing(tmp_path):
    root = _repo(tmp_path / 'repo')
    report = _report(tmp_path / 'report')
    publish(_spec(), report, str(root))
    before = (root / 'docs/page.md').read_text()
    publish(_spec(), report, str(root))
    assert (root / 'docs/page.md').read_text() == before


@pytest.mark.parametrize(
    'page, message',
    [('no markers\n', 'holds the line "<!-- results.md -->" 0 times'),
     (PAGE + PAGE, 'holds the line "<!-- results.md -->" 2 times'),
     ('<!-- /results.md -->\n<!-- results.md -->\n',
      'comes before <!-- results.md -->; swap them')])
def test_a_bad_block_stops_before_any_file_is_written(tmp_path, page, message):
    root = _repo(tmp_path / 'repo', page)
    # README comes after the page in the spec: it must stay untouched.
    spec = _spec(**{
        'docs/page.md': {
            'results.md': 'results'
        },
        'README.md': {
            'top': 'methods'
        }
    })
    with pytest.raises(GridSpecError, match='publish.docs/page.md.results.md'):
        check_targets(spec, str(root))
    with pytest.raises(GridSpecError) as error:
        publish(spec, _report(tmp_path / 'report'), str(root))
    assert message in str(error.value)
    assert (root / 'README.md').read_text() == '<!-- top -->\n<!-- /top -->\n'


def test_a_missing_file_names_its_key(tmp_path):
    with pytest.raises(GridSpecError, match='publish.docs/gone.md: no such'):
        check_targets(
            _spec(**{'docs/gone.md': {
                'x': 'results'
            }}), str(tmp_path))


@pytest.mark.parametrize('publish_entry, message', [
    ({
        'a.md': {
            'x': 'table'
        }
    }, "publish.a.md.x: 'table' is not a report part; choose one of"),
    ({
        'a.png': 'plot.png'
    }, "publish.a.png: 'plot.png' is not a figure the report writes"),
])
def test_unknown_parts_are_named_with_the_choices(publish_entry, message):
    with pytest.raises(GridSpecError, match=message):
        check_publish(_spec(**publish_entry))


def test_zoo_parts_need_the_model_zoo_key():
    spec = _spec(zoo=False, **{'a.yml': {'m': 'metafile'}})
    with pytest.raises(GridSpecError, match='needs model_zoo'):
        check_publish(spec)


def test_a_figure_into_a_missing_folder_names_its_key(tmp_path):
    root = _repo(tmp_path / 'repo')
    spec = _spec(**{'pics/results.png': 'results.png'})
    with pytest.raises(
            GridSpecError, match='publish.pics/results.png: its folder'):
        check_targets(spec, str(root))


def test_a_figure_the_report_did_not_draw_is_left_as_it_is(tmp_path):
    root = _repo(tmp_path / 'repo')
    (root / 'docs/tuning.png').write_bytes(b'old')
    spec = _spec(**{'docs/tuning.png': 'tuning.png'})
    assert publish(spec, _report(tmp_path / 'report'), str(root)) == []
    assert (root / 'docs/tuning.png').read_bytes() == b'old'
