"""Ids: hostile values refused before any request, valid ones encoded as one
path segment, checked on the path the transport actually receives."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_tutor.canvas import InvalidIdError
from course_tutor.canvas.ids import (
    COURSE_ID_PREFIXES,
    course_id_segment,
    module_id_segment,
    plain_id,
)
from tests.canvas_fakes import FakeCanvas, canvas_json, course, make_client, module

HOSTILE = [
    "../1",
    "1?x=y",
    "1/../../users",
    "1/",
    "/1",
    "-1",
    "0",
    "+1",
    "1.0",
    "1e3",
    "0x10",
    "",
    " ",
    " 1",
    "1 ",
    "1\n",
    '"',
    "1 OR 1",
    "1;DROP",
    "1%2F..",
    "١٢",  # Arabic-Indic digits: str.isdigit() would say yes
    "１２",  # fullwidth digits
    "²",
    "9" * 19,  # > 2**63 - 1
    str(2**63),
    "1" * 5000,
    "self",
    "sis_course_id:",
    "sis_course_id",
    "SIS_COURSE_ID:abc",
    "sis_user_id:abc",
    "course_123",
    "sis_course_id:a\x00b",
    "sis_course_id:line\nbreak",
    "sis_course_id:tab\there",
    "sis_course_id:del\x7f",
    "sis_course_id:\u2028",
    "uuid:" + "x" * 256,
]
HOSTILE_VALUES = [*HOSTILE, -1, 0, 2**63, True, False, 1.0, None, b"1", [1], {"id": 1}]


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=repr)
def test_hostile_course_ids_are_refused(value: object) -> None:
    with pytest.raises(InvalidIdError) as caught:
        course_id_segment(value)
    assert caught.value.kind == "invalid_id"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "value",
    [v for v in HOSTILE_VALUES if not (isinstance(v, str) and ":" in v)]
    + ["sis_course_id:1", "uuid:abc"],
    ids=repr,
)
def test_module_ids_take_plain_integers_only(value: object) -> None:
    with pytest.raises(InvalidIdError):
        module_id_segment(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        ("1", 1),
        ("42", 42),
        ("007", 7),
        (2**63 - 1, 2**63 - 1),
        (str(2**63 - 1), 2**63 - 1),
        ("170000000012345", 170000000012345),
    ],
)
def test_plain_ids(value: object, expected: int) -> None:
    assert plain_id(value) == expected


@pytest.mark.parametrize(
    ("value", "segment"),
    [
        ("sis_course_id:MATH-101", "sis_course_id:MATH-101"),
        ("sis_course_id:2025/FALL/BIO 1", "sis_course_id:2025%2FFALL%2FBIO%201"),
        ("sis_course_id:a?b=c#d", "sis_course_id:a%3Fb%3Dc%23d"),
        ("sis_course_id:100%", "sis_course_id:100%25"),
        ("sis_course_id:..", "sis_course_id:.."),
        ("sis_course_id:../../users/self", "sis_course_id:..%2F..%2Fusers%2Fself"),
        ("sis_integration_id:x:y", "sis_integration_id:x%3Ay"),
        ("lti_context_id:4dde05e8ca1973bcca9bffc13e1548820eee93a3", None),
        ("uuid:WvAHhY5FINzq5IyRIJybGeiXyFkG3SqHUPb7jZY5", None),
        ("sis_course_id:Biología 1º", "sis_course_id:Biolog%C3%ADa%201%C2%BA"),
        ("sis_course_id:数学", "sis_course_id:%E6%95%B0%E5%AD%A6"),
        ("sis_course_id:a+b&c", "sis_course_id:a%2Bb%26c"),
    ],
)
def test_prefixed_course_ids_become_one_encoded_segment(
    value: str, segment: str | None
) -> None:
    assert course_id_segment(value) == (segment or value)


@given(
    prefix=st.sampled_from(sorted(COURSE_ID_PREFIXES)),
    rest=st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=80,
    ),
)
def test_any_acceptable_prefixed_value_round_trips_as_one_segment(
    prefix: str, rest: str
) -> None:
    segment = course_id_segment(f"{prefix}:{rest}")

    assert not set("/?#[] ") & set(segment)
    assert segment.isascii()
    assert unquote(segment) == f"{prefix}:{rest}"


@given(st.text(max_size=30))
def test_arbitrary_text_is_either_a_known_form_or_refused(text: str) -> None:
    try:
        segment = course_id_segment(text)
    except InvalidIdError:
        return
    prefix, colon, _ = text.partition(":")
    assert (colon and prefix in COURSE_ID_PREFIXES) or segment.isdigit()


async def test_hostile_ids_never_reach_the_transport() -> None:
    canvas = FakeCanvas()
    async with make_client(canvas) as client:
        for value in HOSTILE_VALUES:
            with pytest.raises(InvalidIdError):
                await client.get_single_course(value)
            with pytest.raises(InvalidIdError):
                await client.list_modules(value)
            with pytest.raises(InvalidIdError):
                await client.list_module_items(value, 1)
            with pytest.raises(InvalidIdError):
                await client.list_module_items(1, value)
        with pytest.raises(InvalidIdError):
            await client.list_modules(1, student_id="../self")
    assert canvas.calls == 0


@pytest.mark.parametrize(
    ("course_id", "raw_path"),
    [
        (42, b"/api/v1/courses/42"),
        ("42", b"/api/v1/courses/42"),
        (
            "sis_course_id:2025/FALL?x#y",
            b"/api/v1/courses/sis_course_id:2025%2FFALL%3Fx%23y",
        ),
        ("sis_course_id:a%2Fb", b"/api/v1/courses/sis_course_id:a%252Fb"),
        ("sis_course_id:ä ö", b"/api/v1/courses/sis_course_id:%C3%A4%20%C3%B6"),
        ("uuid:..", b"/api/v1/courses/uuid:.."),
    ],
)
async def test_the_transport_sees_the_id_as_one_encoded_segment(
    course_id: str | int, raw_path: bytes
) -> None:
    canvas = FakeCanvas(lambda request: canvas_json(course(42)))
    async with make_client(canvas) as client:
        await client.get_single_course(course_id)
    assert canvas.last.url.raw_path == raw_path


async def test_module_paths_carry_both_ids() -> None:
    canvas = FakeCanvas(lambda request: canvas_json([]))
    async with make_client(canvas) as client:
        await client.list_module_items("sis_course_id:A/B", "17")
    assert canvas.last.url.raw_path.split(b"?")[0] == (
        b"/api/v1/courses/sis_course_id:A%2FB/modules/17/items"
    )


async def test_student_id_is_a_plain_id_in_the_query() -> None:
    canvas = FakeCanvas(lambda request: canvas_json([module(1)]))
    async with make_client(canvas) as client:
        await client.list_modules(1, student_id="55")
    assert canvas.last.url.params["student_id"] == "55"
