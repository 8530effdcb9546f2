"""autograder.notebooks.normalize: what a stored notebook keeps, whatever the kernel's timing."""

from __future__ import annotations

import nbformat

from autograder import notebooks


def _cell(outputs: list) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("print('a'); print('b')")
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def test_consecutive_streams_of_one_name_are_merged() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell([
        {"output_type": "stream", "name": "stdout", "text": "epoch 1\n"},
        {"output_type": "stream", "name": "stdout", "text": "epoch 2"},
        {"output_type": "stream", "name": "stdout", "text": "\n"},
        {"output_type": "stream", "name": "stderr", "text": "warning\n"},
        {"output_type": "stream", "name": "stdout", "text": "done\n"},
        {"output_type": "execute_result", "execution_count": 1, "metadata": {"x": 1},
         "data": {"text/plain": "4"}},
    ])]
    out = notebooks.normalize(nb).cells[0].outputs
    assert [(o.output_type, o.get("name"), o.get("text")) for o in out] == [
        ("stream", "stdout", "epoch 1\nepoch 2\n"),
        ("stream", "stderr", "warning\n"),
        ("stream", "stdout", "done\n"),
        ("execute_result", None, None),
    ]
    assert out[-1].metadata == {}


def test_a_split_print_and_a_whole_one_normalise_the_same() -> None:
    split, whole = nbformat.v4.new_notebook(), nbformat.v4.new_notebook()
    split.cells = [_cell([{"output_type": "stream", "name": "stdout", "text": "a"},
                          {"output_type": "stream", "name": "stdout", "text": "\nb\n"}])]
    whole.cells = [_cell([{"output_type": "stream", "name": "stdout", "text": "a\nb\n"}])]
    assert notebooks.normalize(split).cells[0].outputs == notebooks.normalize(whole).cells[0].outputs
