"""pytest configuration for tests/bindings: the 'pcaps' marker (tests on ../shared/pcaps)."""


def pytest_configure(config):
    config.addinivalue_line("markers", "pcaps: reads the reference captures of ../shared/pcaps")
