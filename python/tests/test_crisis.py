"""A world of platforms from Python: shipped crisis scenarios by name, and every final metric
recounted from the uploads table alone (docs/crisis.md, "What a run writes")."""
import pathlib
import shutil

import pytest

import counterpoint as cp

SMALL = {"steps": 150, "replicates": 2, "world.incident.uploads_per_minute": 60,
         "world.removal_orders.find_rate_per_minute": 0.02,
         # trusted flaggers, and the large platform re-scanning what is live when a hash arrives
         "world.trusted_flaggers.find_rate_per_minute": 0.01, "world.trusted_flaggers.news_rate_per_minute": 0.01,
         "world.platforms.large_social.rescan": True,
         # and matching soundtracks: edited copies it would miss by the picture
         "world.platforms.large_social.audio_matching": True, "world.incident.edit_probability": 0.3,
         # authorities ask for what was kept; a retention of 90 minutes lets requests find items deleted,
         # and appeals after 30 minutes release news reports from it
         "world.preservation.access_rate_per_day": 30, "world.preservation.retention_days": 90 / 1440,
         "world.news.appeal_minutes": 30,
         # and half of the authorities granted an item ask that it be kept 60 minutes after their request
         "world.preservation.extension_probability": 0.5, "world.preservation.extension_days": 60 / 1440,
         # uploaders blocked at upload retry on another platform where they hold an account
         "world.incident.retry_probability": 0.5, "world.incident.account_overlap": 0.5,
         "world.incident.retry_delay_minutes": 7}


def orders_of(res, arm, rep, platform=None):
    o = res.orders
    o = o[(o["arm"] == arm) & (o["replicate"] == rep)]
    return o if platform is None else o[o["platform"] == platform]


@pytest.fixture(scope="module")
def res():
    return cp.run("crisis_small_platforms", overrides=SMALL, progress=False)


def test_shipped_crisis_scenarios_are_listed():
    names = set(cp.scenarios().index)
    assert {"crisis_christchurch", "crisis_small_platforms", "crisis_news_safeguard", "crisis_displacement",
            "crisis_audience", "audience_small_video"} <= names


def test_a_simulated_audience_decides_the_views_of_the_small_sites_copies():
    # crisis_audience: the small sites' views are their simulated users' clicks, 100 views each
    r = cp.run("crisis_audience", overrides={"steps": 120, "replicates": 1, "world.incident.uploads_per_minute": 120},
               progress=False)
    up = r.uploads
    site = up[(up["platform"] == "small_video") & (up["kind"] == "copy")]
    assert len(site) > 50 and (site["views"] % 100 == 0).all() and (site["views"] > 0).any()
    m = r.metrics.set_index(["arm", "replicate", "step"])
    last = m.xs(119, level="step")
    # the negative control (demotion of weight 0) is the control, column for column
    assert last.loc["demoted_zero"].equals(last.loc["engagement"])
    # the views recount from the uploads, copies' and news reports' apart, and the sites'
    # seats did not run out
    for platform in ["small_video", "small_forum"]:
        for arm, u in up[up["platform"] == platform].groupby("arm", observed=True):
            assert (u["views"] % 100 == 0).all()
            copies, news = u[u["kind"] != "news"], u[u["kind"] == "news"]
            assert last.loc[arm, "views@" + platform].iloc[0] == copies["views"].sum()
            assert last.loc[arm, "news_views@" + platform].iloc[0] == news["views"].sum()
            assert last.loc[arm, "unseated_copies@" + platform].iloc[0] == 0
            assert last.loc[arm, "unseated_news@" + platform].iloc[0] == 0
            assert 0 <= last.loc[arm, "views_at_risk@" + platform].iloc[0] <= copies["views"].sum()
    # the forum's newest-first feed shows its news reports
    assert last.loc["engagement", "news_views@small_forum"].iloc[0] > 0
    # each person reached viewed at least once (100 views a simulated person), and was counted
    # once however many sites they use
    sites = last["views@small_video"] + last["views@small_forum"]
    assert (last["people_reached"] > 0).all() and (last["people_reached"] <= sites).all()
    assert (last["people_reached_at_risk"] <= last["people_reached"]).all()
    assert (last["people_reached"] % 100 == 0).all()


def test_without_shared_people_the_video_sites_audience_does_not_depend_on_the_forums(tmp_path):
    # `apart`: the forum shares no one with the video site, so the video site's figures are
    # those of a run whose forum has parametric views (docs/crisis.md, "People on several
    # platforms"): the same scenario with the forum's audience keys taken out
    src = pathlib.Path(cp.scenarios().loc["crisis_audience", "path"])
    shutil.copy(src.parent / "audience_small_video.yaml", tmp_path)
    text = src.read_text()
    head, forum = text.split("    - name: small_forum\n")
    forum, rest = forum.split("  incident:\n")
    keys = ("audience_scenario", "audience_arm", "viewers_per_user", "people_from", "people_overlap")
    forum = "".join(line + "\n" for line in forum.splitlines() if not line.strip().startswith(keys))
    rest = rest[:rest.index("arms:")] + "arms:\n  - name: engagement\n"
    (tmp_path / "single.yaml").write_text(head + "    - name: small_forum\n" + forum + "  incident:\n" + rest)
    small = {"steps": 180, "replicates": 1, "world.incident.uploads_per_minute": 120}
    apart = cp.run("crisis_audience", overrides=small, arms=["apart"], progress=False).metrics
    single = cp.run(str(tmp_path / "single.yaml"), overrides=small, progress=False).metrics
    video = [c for c in single.columns if c.endswith("@small_video")]
    assert len(video) == 23 and single["views@small_video"].iloc[-1] > 0
    assert (apart[video].to_numpy() == single[video].to_numpy()).all()
    # and the test can fail: the forum's own figures differ (simulated against parametric views)
    assert apart["views@small_forum"].iloc[-1] != single["views@small_forum"].iloc[-1]


def test_final_metrics_recount_from_the_uploads(res):
    up = res.uploads
    assert len(up) > 1000
    assert set(up["platform"]) == {"large_social", "large_video", "small_video", "small_forum"}
    last_minute = SMALL["steps"] - 1  # one-minute steps
    final = res.metrics[res.metrics["step"] == last_minute]
    for (arm, rep), u in up.groupby(["arm", "replicate"], observed=True):
        row = final[(final["arm"] == arm) & (final["replicate"] == rep)].iloc[0]
        for platform, pu in [(None, u)] + list(u.groupby("platform")):
            sfx = "" if platform is None else "@" + platform
            attack = pu[pu["kind"] != "news"]
            assert row["attack_uploads" + sfx] == len(attack)
            blocked = (attack["outcome"] == "blocked").sum()
            assert row["blocked_at_upload" + sfx] == blocked
            assert row["blocked_share" + sfx] == pytest.approx(blocked / len(attack) if len(attack) else 0, abs=1e-12)
            assert row["views" + sfx] == attack["views"].sum()
            assert row["live_copies" + sfx] == (attack["outcome"] == "live").sum()
            assert row["retry_uploads" + sfx] == (attack["retry_of"] >= 0).sum()
            # the hour: uploads at least 60 minutes old, blocked or removed within 60 minutes
            decided = attack[attack["minute"] + 60 <= last_minute]
            within = ((decided["outcome_minute"] >= 0) & (decided["minutes_to_outcome"] <= 60)).sum()
            expect = within / len(decided) if len(decided) else 0
            assert row["within_hour_share" + sfx] == pytest.approx(expect, abs=1e-12)
            # orders, from every authority: met when the copy was removed by the order's deadline;
            # decided when met or past the deadline
            ordered = orders_of(res, arm, rep, platform).join(u.set_index("upload")["outcome_minute"], on="upload",
                                                              rsuffix="_of_upload")
            met = (ordered["outcome_minute_of_upload"] >= 0) & (
                ordered["outcome_minute_of_upload"] <= ordered["deadline_minute"])
            decided_orders = met | (ordered["deadline_minute"] <= last_minute)
            assert row["orders" + sfx] == len(ordered)
            expect = met.sum() / decided_orders.sum() if decided_orders.sum() else 0
            assert row["orders_met_share" + sfx] == pytest.approx(expect, abs=1e-12)
            # notices (attack copies and, in error, news): answered when the flagger is told
            # the action within 60 minutes; decided when answered or an hour old
            noticed = pu[pu["notice_minute"] >= 0]
            answered = (noticed["feedback_minute"] >= 0) & (noticed["feedback_minute"] - noticed["notice_minute"] <= 60)
            decided_notices = answered | (noticed["notice_minute"] + 60 <= last_minute)
            assert row["notices" + sfx] == len(noticed)
            expect = answered.sum() / decided_notices.sum() if decided_notices.sum() else 0
            assert row["notice_feedback_within_hour_share" + sfx] == pytest.approx(expect, abs=1e-12)
    # the small platforms block nothing without access, and copies blocked by a hash name
    # the platform whose removal gave it, usable no later than the upload
    small = up[up["platform"].isin(["small_video", "small_forum"])]
    assert (small[small["arm"] == "no_access"]["outcome"] != "blocked").all()
    by_hash = up[up["channel"] == "hash_match"]
    assert by_hash["match_platform"].notna().all()
    at_upload = by_hash[by_hash["outcome"] == "blocked"]
    assert (at_upload["match_usable_minute"] <= at_upload["minute"]).all()
    # a re-scan removes a live copy once a matching hash is usable, on the platform that re-scans only
    rescanned = by_hash[by_hash["outcome"] == "removed"]
    assert len(rescanned) > 0 and set(rescanned["platform"]) == {"large_social"}
    # (usable at the upload's own minute: added after that step's screening, by a removal in its review)
    assert (rescanned["match_usable_minute"] >= rescanned["minute"]).all()
    assert (rescanned["match_usable_minute"] <= rescanned["outcome_minute"]).all()
    assert (small[(small["arm"] == "member") & (small["channel"] == "hash_match")].shape[0]) > 0


def test_arms_see_the_same_uploads_arrive(res):
    # every upload but the retries (which follow each arm's blocks) arrives alike in every arm
    up = res.uploads
    fresh = up[up["retry_of"] < 0]
    a = fresh[(fresh["arm"] == "no_access") & (fresh["replicate"] == 0)][["minute", "platform", "kind"]].to_numpy()
    b = fresh[(fresh["arm"] == "member") & (fresh["replicate"] == 0)][["minute", "platform", "kind"]].to_numpy()
    assert a.shape == b.shape and (a == b).all()


def test_a_retry_follows_a_block_on_another_platform(res):
    up = res.uploads
    retries = up[up["retry_of"] >= 0]
    assert len(retries) > 100
    for (arm, rep), u in up.groupby(["arm", "replicate"], observed=True):
        mine = u[u["retry_of"] >= 0]
        blocked = u.set_index("upload").loc[mine["retry_of"]]
        assert (blocked["outcome"] == "blocked").all() and (blocked["kind"] == "copy").all()
        assert (blocked["platform"].to_numpy() != mine["platform"].to_numpy()).all()
        assert (mine["minute"].to_numpy() == blocked["outcome_minute"].to_numpy() + 7).all()
        assert (mine["parent"].to_numpy() == mine["retry_of"].to_numpy()).all()
        assert (mine["hash_usable"].to_numpy() == blocked["hash_usable"].to_numpy()).all()
        # one retry per block at most
        assert not mine["retry_of"].duplicated().any()


def test_a_scenario_without_a_world_has_no_uploads():
    r = cp.run("rabbit_hole", overrides={"population.n_users": 150, "steps": 2, "replicates": 1}, progress=False)
    assert r.uploads.empty


def test_transparency_reports_recount_from_the_uploads(res):
    """Each platform's report (transparency.csv), recounted here from uploads.csv alone."""
    up, tr = res.uploads, res.transparency
    last_minute = SMALL["steps"] - 1
    assert len(tr) == 3 * 2 * 4  # arms x replicates x platforms
    for (arm, rep, platform), u in up.groupby(["arm", "replicate", "platform"], observed=True):
        row = tr[(tr["arm"] == arm) & (tr["replicate"] == rep) & (tr["platform"] == platform)].iloc[0]
        attack, news = u[u["kind"] != "news"], u[u["kind"] == "news"]
        removed = attack[attack["outcome"] == "removed"]
        expect = {
            "attack_uploads": len(attack),
            "blocked_hash_match": ((attack["outcome"] == "blocked") & (attack["channel"] == "hash_match")).sum(),
            "blocked_classifier": ((attack["outcome"] == "blocked") & (attack["channel"] == "classifier")).sum(),
            "blocked_audio_match": ((attack["outcome"] == "blocked") & (attack["channel"] == "audio_match")).sum(),
            "removed_hash_match": (removed["channel"] == "hash_match").sum(),
            "removed_classifier": (removed["channel"] == "classifier").sum(),
            "removed_trusted_flagger": (removed["channel"] == "trusted_flagger").sum(),
            "removed_user_report": (removed["channel"] == "user_report").sum(),
            "removed_order": (removed["channel"] == "order").sum(),
            "still_live": (attack["outcome"] == "live").sum(),
            "orders_received": len(orders_of(res, arm, rep, platform)),
            "notices_received": (u["notice_minute"] >= 0).sum(),
            "notices_upheld": ((u["notice_minute"] >= 0) & (u["notice_upheld"] == 1)).sum(),
            "news_uploads": len(news),
            "news_blocked": (news["news_hit"] == "blocked").sum(),
            "news_removed": (news["news_hit"] == "removed").sum(),
            "news_restored": (news["restored_minute"] >= 0).sum(),
            "news_still_down": news["outcome"].isin(["blocked", "removed"]).sum(),
        }
        for col, value in expect.items():
            assert row[col] == value, (arm, rep, platform, col)
        ordered = orders_of(res, arm, rep, platform).join(u.set_index("upload")["outcome_minute"], on="upload",
                                                          rsuffix="_of_upload")
        met = (ordered["outcome_minute_of_upload"] >= 0) & (
            ordered["outcome_minute_of_upload"] <= ordered["deadline_minute"])
        assert row["orders_met_on_time"] == met.sum()
        assert (ordered["met"] == met.astype(int)).all() and (ordered["outcome_minute"] == ordered[
            "outcome_minute_of_upload"]).all()
        old = attack[attack["minute"] + 60 <= last_minute]
        if len(old):
            within = old["outcome"].isin(["blocked", "removed"]) & (old["minutes_to_outcome"] <= 60)
            assert row["within_hour_share"] == pytest.approx(within.mean(), abs=1e-8)
        if len(removed):
            assert row["median_minutes_to_removal"] == pytest.approx(removed["minutes_to_outcome"].median())
        answered = u[u["feedback_minute"] >= 0]
        assert row["notices_answered_within_hour"] == (answered["feedback_minute"] - answered["notice_minute"] <= 60).sum()
    # removals by a trusted flagger's notice happen, and the re-scan removes on large_social only
    assert tr["removed_trusted_flagger"].sum() > 0
    assert tr[tr["platform"] != "large_social"]["removed_hash_match"].sum() == 0
    assert tr[tr["platform"] == "large_social"]["removed_hash_match"].sum() > 0
    assert tr[tr["platform"] != "large_social"]["blocked_audio_match"].sum() == 0
    assert tr[tr["platform"] == "large_social"]["blocked_audio_match"].sum() > 0


def test_orders_come_from_each_authority_where_it_looks(res):
    """The referral unit watches the small platforms only; each authority orders a copy once,
    and a copy's first order is the upload's order_minute."""
    o, up = res.orders, res.uploads
    assert set(o["authority"]) == {"authority", "referral_unit"}
    assert set(o[o["authority"] == "referral_unit"]["platform"]) <= {"small_video", "small_forum"}
    assert not o.duplicated(["arm", "replicate", "authority", "upload"]).any()
    assert (o["deadline_minute"] == o["minute"] + 60).all()
    first = o.groupby(["arm", "replicate", "upload"], observed=True)["minute"].min()
    ordered = up[up["order_minute"] >= 0].set_index(["arm", "replicate", "upload"])["order_minute"]
    assert first.sort_index().to_dict() == ordered.sort_index().to_dict()


def test_every_take_down_is_preserved_and_each_request_answered_by_what_was_held(res):
    """preservation.csv recounted from uploads.csv; every row of the access log granted exactly
    when its item was held (kept, not restored, retention not ended) at the request's minute."""
    up, kept, log, tr = res.uploads, res.preservation, res.access_log, res.transparency
    key = ["arm", "replicate", "upload"]
    down = up["outcome"].isin(["blocked", "removed"])
    # every upload taken down at some time has records (a restored report re-removed by the
    # re-scan has one per take-down), and no other
    touched = up[down | (up["restored_minute"] >= 0)].set_index(key).index
    assert set(kept.set_index(key).index) == set(touched) and len(touched) > 0
    # kept 90 minutes, or 60 after the granted request that last extended it (Art. 6(2))
    ext = kept["extended_minute"] >= 0
    assert ext.sum() > 10 and (kept.loc[~ext, "until_minute"] == kept.loc[~ext, "minute"] + 90).all()
    assert (kept.loc[ext, "until_minute"] == kept.loc[ext, "extended_minute"] + 60).all()
    assert (kept.loc[ext, "until_minute"] > kept.loc[ext, "minute"] + 90).all()
    granted_at = log[log["result"] == "granted"].merge(kept[ext], on=["arm", "replicate", "record"],
                                                       suffixes=("", "_k"))
    assert (granted_at.groupby(["arm", "replicate", "record"], observed=True).apply(
        lambda g: (g["minute"] == g["extended_minute"]).any())).all()
    # an upload's last record is held at the end exactly when the upload is down (appeals come
    # after 30 minutes, within the 90 of retention); its last restoration released a record
    last = kept.sort_values("record").groupby(key, observed=True).tail(1).merge(up, on=key, suffixes=("", "_u"))
    assert ((last["released_minute"] == -1) == last["outcome"].isin(["blocked", "removed"])).all()
    released = kept[kept["released_minute"] >= 0].merge(up, on=key, suffixes=("", "_u"))
    assert len(released) > 0 and (released["released_minute"] <= released["restored_minute"]).all()
    restored = up[up["restored_minute"] >= 0].merge(kept, on=key, suffixes=("", "_k"))
    assert (restored.groupby(key, observed=True).apply(
        lambda g: (g["released_minute"] == g["restored_minute"]).any())).all()
    held = log.merge(kept[["arm", "replicate", "record", "minute", "until_minute", "released_minute"]],
                     on=["arm", "replicate", "record"], suffixes=("", "_kept"))
    released = (held["released_minute"] >= 0) & (held["minute"] >= held["released_minute"])
    expired = ~released & (held["minute"] >= held["until_minute"])
    expect = released.map({True: "released", False: "granted"}).where(~expired, "expired")
    assert (held["result"] == expect).all()
    assert {"granted", "expired"} <= set(held["result"])
    assert set(log[log["authority"] == "referral_unit"]["platform"]) <= {"small_video", "small_forum"}
    counts = log.groupby(["arm", "replicate", "record"], observed=True).size()
    per_record = kept.set_index(["arm", "replicate", "record"])["requests"]
    assert (per_record.reindex(counts.index) == counts).all() and per_record.sum() == len(log)
    for (arm, rep, platform), k in kept.groupby(["arm", "replicate", "platform"], observed=True):
        row = tr[(tr["arm"] == arm) & (tr["replicate"] == rep) & (tr["platform"] == platform)].iloc[0]
        assert row["preserved"] == len(k) and row["preserved_news"] == (k["kind"] == "news").sum()
        assert row["access_requests"] == k["requests"].sum() and row["access_granted"] == k["granted"].sum()
