import pytest

from domain.countries import get_country
from domain.errors import InvalidNationalId
from domain.people import clean_national_id


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("10117410", "10117410"),
        ("10117410-2", "10117410"),  # with the check character printed on the card
        (" 45678912 ", "45678912"),
    ],
)
def test_a_valid_peruvian_dni_is_accepted_and_shown_formatted(raw: str, shown: str) -> None:
    national_id = get_country("PE").national_id

    assert national_id.format(national_id.parse(raw)) == shown


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("10117410-3", "checksum"),
        ("1011741", "length"),
        ("1011741234", "length"),
        ("1011741A", "format"),
    ],
)
def test_an_invalid_peruvian_dni_is_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidNationalId) as refused:
        get_country("PE").national_id.parse(raw)

    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("76086428-5", "76.086.428-5"),
        ("76.086.428-5", "76.086.428-5"),
        ("12345678-5", "12.345.678-5"),
        ("5.126.663-3", "5.126.663-3"),
    ],
)
def test_a_valid_chilean_rut_is_accepted_and_shown_formatted(raw: str, shown: str) -> None:
    national_id = get_country("CL").national_id

    assert national_id.format(national_id.parse(raw)) == shown


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("76086428-4", "checksum"),
        ("12.345.678-9", "checksum"),
        ("1234", "length"),
        ("76O86428-5", "format"),
        ("ABCDEFGH-K", "format"),
    ],
)
def test_an_invalid_chilean_rut_is_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidNationalId) as refused:
        get_country("CL").national_id.parse(raw)

    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("00000000", "PE"),
        ("11111111", "PE"),
        ("99999999-4", "PE"),  # with the check character printed on the card
        ("11.111.111-1", "CL"),
        ("22222222-2", "CL"),
    ],
)
def test_a_placeholder_that_passes_the_checksum_is_refused(raw: str, country: str) -> None:
    get_country(country).national_id.parse(raw)  # the checksum alone lets it through

    with pytest.raises(InvalidNationalId) as refused:
        clean_national_id(raw, country)

    assert refused.value.reason == "placeholder"


@pytest.mark.parametrize(
    ("raw", "country", "kept"),
    [
        ("10117410", "PE", "10117410"),
        ("11111112", "PE", "11111112"),
        ("5.126.663-3", "CL", "51266633"),
    ],
)
def test_a_real_looking_id_is_kept_compact(raw: str, country: str, kept: str) -> None:
    assert clean_national_id(raw, country) == kept
