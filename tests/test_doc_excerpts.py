"""Every output excerpt a page marks (`<!-- excerpt: NAME -->`) is what the tools print now:
each is made again by running it against virtual boards, as `make docs` does."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchctl import excerpts

MARKED = [(page, name) for page in excerpts.pages() for name in excerpts.excerpts_in(page)]


def test_every_marked_excerpt_has_a_maker_and_every_maker_a_page():
    assert {name for _, name in MARKED} == set(excerpts.EXCERPTS)
    assert len(MARKED) == len(excerpts.EXCERPTS), "an excerpt is marked on two pages"


@pytest.mark.parametrize(("page", "name"), [(p, n) for p, n in MARKED if excerpts.EXCERPTS[n][1]],
                         ids=lambda v: getattr(v, "name", v))
def test_the_page_shows_what_the_tools_print_now(page, name):
    shown = excerpts.excerpts_in(page)[name]
    made = excerpts.make(name)
    assert excerpts.same(shown, made), (
        f"{page.name}: the excerpt {name} is not what the tools print now (`make docs` writes it again)"
        f"\n--- page\n{shown}--- now\n{made}")


STEPS = ["compiling", "micropython", "copying: 61 files", "verifying", "booting", "done"]


@given(st.randoms(use_true_random=False), st.integers(2, 4))
def test_boards_flashed_at_once_may_interleave_but_each_keeps_its_own_order(rnd, count):
    lines = {f"SM-10{n}": [f"  SM-10{n}       /dev/pts/{n}       {step}" for step in STEPS] for n in range(count)}
    head, table = ["$ .venv/bin/benchctl flash --inventory fleet.csv"], ["", "  3 of 4 benches flashed"]

    def interleaved():
        queues = [list(q) for q in lines.values()]
        out = []
        while any(queues):
            out.append(rnd.choice([q for q in queues if q]).pop(0))
        return "\n".join(head + out + table) + "\n"

    assert excerpts.same(interleaved(), interleaved())
    bench = rnd.choice(list(lines))
    a, b = rnd.sample(range(len(STEPS)), 2)
    lines[bench][a], lines[bench][b] = lines[bench][b], lines[bench][a]
    swapped = interleaved()
    lines[bench][a], lines[bench][b] = lines[bench][b], lines[bench][a]
    assert not excerpts.same(interleaved(), swapped)


def test_the_pseudo_terminals_are_shown_as_the_page_names_them_in_the_tools_columns():
    printed = "  SM-101       /dev/pts/12      done\nSM-101 on /dev/pts/12 (virtual)\n"
    assert excerpts.shown_as(printed, {"/dev/pts/12": "/dev/pts/1"}) == (
        "  SM-101       /dev/pts/1       done\nSM-101 on /dev/pts/1 (virtual)\n")
