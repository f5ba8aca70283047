"""Fixtures the NETCONF suites share (pytest loads this file by itself).

users:  the test users (keys, passwords), once per module;
vnmd:   a fresh vnmd per test on test:///default, stopped after it;
ns:     a factory of fresh network namespaces, deleted after the test;
nsname: one fresh network namespace.
A module's NETNS_TAG (default "t") goes into its namespaces' names, so a
leftover says which suite made it.
"""
import os

import pytest

from ncclient_util import Users, Vnmd, netns_add, netns_del

_counter = [0]


def _netns_name(request):
    _counter[0] += 1
    return "vnmt-%s%d-%d" % (getattr(request.module, "NETNS_TAG", "t"),
                             os.getpid() % 100000, _counter[0])


@pytest.fixture(scope="module")
def users(tmp_path_factory):
    return Users(str(tmp_path_factory.mktemp("users")))


@pytest.fixture
def vnmd(users, tmp_path):
    d = Vnmd(users, tmp_path).start()
    yield d
    d.stop()


@pytest.fixture
def ns(request):
    made = []

    def make():
        made.append(_netns_name(request))
        netns_add(made[-1])
        return made[-1]
    yield make
    for n in made:
        netns_del(n)


@pytest.fixture
def nsname(request):
    name = _netns_name(request)
    netns_add(name)
    yield name
    netns_del(name)
