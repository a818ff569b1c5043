import thematic


def test_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name, value in vars(thematic).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("thematic")
    }
    assert thematic.__all__ == sorted(thematic.__all__, key=lambda s: (not s.isupper(), s))
    assert public <= set(thematic.__all__), public - set(thematic.__all__)
    for name in thematic.__all__:
        assert hasattr(thematic, name), name


def test_py_typed_is_shipped() -> None:
    from importlib.resources import files

    assert files("thematic").joinpath("py.typed").is_file()
