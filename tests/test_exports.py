import thematic


def test_all_is_sorted_and_complete() -> None:
    # Every public name the package binds counts, constants included (they have no
    # __module__); only submodules the import system binds as a side effect are left out.
    import types

    submodules = {
        name
        for name, value in vars(thematic).items()
        if isinstance(value, types.ModuleType) and name not in thematic.__all__
    }
    public = {name for name in vars(thematic) if not name.startswith("_")} - submodules
    assert thematic.__all__ == sorted(thematic.__all__, key=lambda s: (not s.isupper(), s))
    assert public <= set(thematic.__all__), public - set(thematic.__all__)
    for name in thematic.__all__:
        assert hasattr(thematic, name), name


def test_py_typed_is_shipped() -> None:
    from importlib.resources import files

    assert files("thematic").joinpath("py.typed").is_file()


def test_import_thematic_is_light() -> None:
    # pandas, numpy's users and the engine load on first use of a name, not on import; the
    # command's parser (what `thematic --help` builds) needs none of them either.
    import subprocess
    import sys

    code = (
        "import sys, thematic; from thematic.cli import build_parser; "
        "build_parser().format_help(); "
        "heavy = [m for m in ('pandas', 'numpy', 'thematic.engine', 'thematic.stats', "
        "'pydantic', 'matplotlib') if m in sys.modules]; "
        "thematic.evaluate; print(heavy, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "True"], out.stdout + out.stderr


def test_a_public_name_loads_on_first_use_and_unknown_names_fail() -> None:
    import pytest

    from thematic.rules import parse_horizons

    assert thematic.parse_horizons is parse_horizons
    assert "evaluate" in dir(thematic)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        thematic.nope  # noqa: B018


OLD_PATHS = [
    ("thematic.pipeline", "evaluate", "thematic.runs.evaluate"),
    ("thematic.pipeline", "evaluate_calls", "thematic.runs.calls"),
    ("thematic.pipeline", "events_from_baskets", "thematic.baskets"),
    ("thematic.pipeline", "default_provider", "thematic.data.sourcing"),
    ("thematic.eventstats", "event_stats", "thematic.runs.event_study"),
    ("thematic.report", "cjk_font_subset", "thematic.output.html"),
    ("thematic.engine.returns", "evaluate_events", "thematic.engine.evaluate"),
    ("thematic.engine.returns", "cumulative_curves", "thematic.engine.curves"),
    ("thematic.engine.returns", "EVENT_CHUNK", "thematic.engine.kernels"),
    ("thematic.stats.eventstudy", "bootstrap_p", "thematic.stats.significance"),
]


def test_old_import_paths_still_work_and_say_where_the_name_went() -> None:
    import importlib

    import pytest

    for old, name, new in OLD_PATHS:
        module = importlib.import_module(old)
        with pytest.warns(DeprecationWarning, match=f"{old}.{name} moved to {new}.{name}"):
            value = getattr(module, name)
        assert value is getattr(importlib.import_module(new), name), (old, name)
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        importlib.import_module("thematic.pipeline").nope  # noqa: B018
