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
