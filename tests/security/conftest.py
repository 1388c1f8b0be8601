"""The hostile-file tests: builders (crafted.py) and the memory probe live beside them."""

import os
import sys

import pytest

from strided.utils import clear_session, set_random_seed

sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture(autouse=True)
def fresh_session():
    clear_session()
    set_random_seed(0)
