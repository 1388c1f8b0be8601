import pytest

from strided.utils import clear_session, set_random_seed


@pytest.fixture(autouse=True)
def fresh_session():
    """Every test starts with conv2d / dense names and the same random draws."""
    clear_session()
    set_random_seed(0)
