"""The desk's people, shared by the admin, workflow and role tests."""

import pytest

from articles.tests.factories import staff_user_create


@pytest.fixture
def editor():
    return staff_user_create("eddie", "Editor", first_name="Eddie", last_name="Ito")


@pytest.fixture
def other_editor():
    return staff_user_create("beth", "Editor", first_name="Beth", last_name="Sato")


@pytest.fixture
def reporter():
    return staff_user_create("rita", "Reporter", first_name="Rita", last_name="Mori")


@pytest.fixture
def other_reporter():
    return staff_user_create("ron", "Reporter")
