"""yamlfile: a person's YAML file is read, or refused in one line naming the place."""

import pytest

from os_interop.yamlfile import YAMLFileError, read


def test_a_file_reads_as_text_and_document(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("a: [1, 2]\n")
    assert read(path) == ("a: [1, 2]\n", {"a": [1, 2]})


@pytest.mark.parametrize("content, expected", [
    ("a: [1,\nb: 2\n", "line 3, column 1: not valid YAML"),
    (None, "cannot read"),
])
def test_a_broken_or_missing_file_is_one_line_naming_it(tmp_path, content, expected):
    path = tmp_path / "broken.yaml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(YAMLFileError) as caught:
        read(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message
