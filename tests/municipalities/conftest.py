import pytest

from municipalities.services import load_reference_data


@pytest.fixture
def reference_data(db):
    """Provinces, the 16 clusters and the 2024 + 2025 municipalities."""
    return load_reference_data()
