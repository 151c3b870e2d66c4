"""Valid made-up Ecuadorian IDs, for the demo organization, tests and benchmarks."""

from stdnum.ec import ci


def ec_cedula(n: int) -> str:
    """The n-th valid cédula of Pichincha (province 17): nine digits plus their check digit."""
    prefix = f"17{n % 10_000_000:07d}"
    for digit in "0123456789":
        if ci.is_valid(prefix + digit):
            return prefix + digit
    raise AssertionError("a cédula always has one valid check digit")


def ec_ruc(n: int) -> str:
    """A natural person's RUC: their cédula followed by 001."""
    return ec_cedula(n) + "001"
