"""Zero-copy numpy views of engine buffers: addresses, lifetimes, read-only flags."""
import gc

import numpy as np
import pytest

import counterpoint as cp
from conftest import small_world


def _address(a):
    return a.__array_interface__["data"][0]


@pytest.fixture
def sim():
    return cp.Simulation(small_world(output={"events": True}), arm="engagement")


def test_catalog_views_are_the_engine_buffers(sim):
    for name in ("embeddings", "labels", "extremity", "harm_score"):
        a = getattr(sim.catalog, name)
        assert _address(a) == sim.catalog._core._address(name), name
        assert not a.flags.owndata
        assert np.shares_memory(a, getattr(sim.catalog, name))
    assert sim.catalog.embeddings.shape == (2000, 16) and sim.catalog.embeddings.dtype == np.float32
    # unit-norm rows (Catalog normalises them)
    np.testing.assert_allclose(np.linalg.norm(sim.catalog.embeddings, axis=1), 1.0, rtol=1e-5)


def test_population_and_slate_views_are_the_engine_buffers(sim):
    for name in ("interest", "estimate", "susceptibility", "clicks"):
        assert _address(getattr(sim.population, name)) == sim._core._population_address(name), name
    assert _address(sim.last_slates) == sim._core._slates_address()


def test_immutable_state_is_read_only(sim):
    for a in (sim.catalog.embeddings, sim.catalog.harm_score, sim.catalog.labels, sim.population.susceptibility,
              sim.items.clicks, sim.last_slates):
        assert not a.flags.writeable
        with pytest.raises(ValueError):
            a[0] = 0
        with pytest.raises(ValueError):
            a.flags.writeable = True


def test_live_population_state_is_writeable_and_shared(sim):
    interest = sim.population.interest
    assert interest.flags.writeable
    before = float(interest[0, 0])
    interest[0, 0] = before  # writes go to the engine's buffer
    assert np.shares_memory(interest, sim.population.interest)


def test_views_outlive_the_simulation(sim):
    emb = sim.catalog.embeddings
    interest = sim.population.interest
    slates = sim.last_slates
    copies = emb.copy(), interest.copy(), slates.copy()
    del sim
    gc.collect()
    np.testing.assert_array_equal(emb, copies[0])
    np.testing.assert_array_equal(interest, copies[1])
    np.testing.assert_array_equal(slates, copies[2])


def test_views_see_the_engine_mutate_state(sim):
    clicks = sim.population.clicks
    assert clicks.sum() == 0
    sim.step(2)
    assert clicks.sum() > 0  # the same buffer, updated in place


def test_last_slates_are_the_last_steps_impressions():
    """Stepping by hand: last_slates equal the step's rows of the run's impressions log."""
    scen = small_world(output={"events": True})
    sim = cp.Simulation(scen, arm="relevance")
    sim.run()
    res = cp.run(scen, arms=["relevance"], progress=False)
    imp = res.impressions
    last = imp[imp.step == sim.steps - 1]
    expected = np.full(sim.last_slates.shape, -1, dtype=np.int64)
    expected[last.user.to_numpy(), last.position.to_numpy()] = last.item.to_numpy()
    np.testing.assert_array_equal(sim.last_slates, expected)
    # stepping by hand gives the run's metrics exactly
    got = sim.metrics
    want = res.metrics.reset_index(drop=True)
    for col in sim.columns:
        np.testing.assert_array_equal(got[col].to_numpy(), want[col].to_numpy(), err_msg=col)


def test_cannot_step_past_the_scenario(sim):
    sim.step(6)
    with pytest.raises(ValueError, match="6 steps"):
        sim.step()


def test_unknown_arm_names_the_arms():
    with pytest.raises(ValueError, match="engagement, relevance"):
        cp.Simulation(small_world(), arm="nope")
