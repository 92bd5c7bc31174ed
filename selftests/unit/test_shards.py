"""--shard K/N: every target in exactly one shard, the same split on every machine."""

import pytest
from hypothesis import given, settings, strategies as st

from os_interop import cli, shards
from os_interop.targets import Target

LABELS = st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,8}(@[a-z0-9-]{1,5})?", fullmatch=True),
                  unique=True, max_size=30)


def made(labels):
    return [Target(cloud=l.partition("@")[0], region=l.partition("@")[2] or None, label=l) for l in labels]


@settings(deadline=None)   # a loaded machine must not fail it
@given(LABELS, st.integers(min_value=1, max_value=12), st.randoms())
def test_every_target_is_in_exactly_one_shard_whatever_the_order(labels, n, random):
    found = made(labels)
    parts = [[t.label for t in shards.pick(found, k, n)] for k in range(1, n + 1)]
    assert sorted(l for part in parts for l in part) == sorted(labels)
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    shuffled = list(found)
    random.shuffle(shuffled)    # another machine may list the clouds in another order
    assert [sorted(t.label for t in shards.pick(shuffled, k, n)) for k in range(1, n + 1)] == \
        [sorted(p) for p in parts]


def test_a_shard_keeps_the_order_it_was_given():
    found = made(["c", "a", "b", "d"])
    assert [t.label for t in shards.pick(found, 1, 2)] == ["c", "a"]     # sorted a b c d: a, c


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0", "-1/2", "1/2/3", ""])
def test_a_bad_shard_is_one_line_and_exit_2(text, capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["run", "--cloud", "x", f"--shard={text}"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "--shard" in err and "1 <= K <= N" in err and err.count("\n") == 1
