"""Security groups: the rule classification (pure) and the probe's reads, three-valued
(requests-mock serves the cloud; CloudUnderTest's own answer() interprets it)."""

from types import SimpleNamespace

import pytest
from keystoneauth1 import exceptions as ks

from os_interop.answers import Unknown
from os_interop.apis import compute
from os_interop.apis import security_groups as sg
from selftests.unit import stub_cloud
from selftests.unit.stub_cloud import StubCloud
from tests.security_groups import test_security_groups as probe

N = "http://n/v2.0"
NOVA_GROUPS = "http://c/v2.1/os-security-groups"


def rule(direction, ethertype="IPv4", protocol=None, low=None, high=None, prefix=None, group=None, **extra):
    return {"direction": direction, "ethertype": ethertype, "protocol": protocol, "port_range_min": low,
            "port_range_max": high if high is not None else low, "remote_ip_prefix": prefix,
            "remote_group_id": group, **extra}


UPSTREAM_DEFAULT = [rule("ingress", group="g1"), rule("ingress", "IPv6", group="g1"),
                    rule("egress"), rule("egress", "IPv6")]


# -- classification -------------------------------------------------------------------------------
def test_rule_text_names_the_remote_a_client_meets():
    assert sg.rule_text(rule("ingress", group="g1"), "g1") == "IPv4 any self"
    assert sg.rule_text(rule("ingress", group="PARENT"), None) == "IPv4 any self"
    assert sg.rule_text(rule("ingress", group="g2"), "g1") == "IPv4 any group"
    assert sg.rule_text(rule("ingress", remote_address_group_id="ag"), "g1") == "IPv4 any address-group"
    assert sg.rule_text(rule("ingress", protocol="tcp", low=22, prefix="10.0.0.0/8")) == "IPv4 tcp:22 10.0.0.0/8"
    assert sg.rule_text(rule("ingress", protocol="udp", low=1000, high=2000)) == "IPv4 udp:1000-2000 any"
    assert sg.rule_text(rule("egress", "IPv6", protocol="any")) == "IPv6 any any"


def test_upstream_defaults_let_both_families_out_and_nothing_foreign_in():
    assert sg.egress_families(UPSTREAM_DEFAULT) == ["IPv4", "IPv6"]
    assert sg.foreign_ingress(UPSTREAM_DEFAULT, "g1") == []
    assert sg.open_to_world(UPSTREAM_DEFAULT) == []


@pytest.mark.parametrize("rules, families", [
    ([], []),                                                        # egress-less
    ([rule("egress")], ["IPv4"]),                                    # IPv4 only
    ([rule("egress", prefix="0.0.0.0/0"), rule("egress", "IPv6", prefix="::/0")], ["IPv4", "IPv6"]),
    ([rule("egress", protocol="tcp", low=443)], []),                 # one port is not "to anywhere"
    ([rule("egress", protocol="tcp")], []),                          # one protocol is not either
    ([rule("egress", prefix="10.0.0.0/8")], []),                     # nor one network
    ([rule("egress", group="g1")], []),                              # nor the group's members
    ([rule("egress", "IPv6", prefix="0.0.0.0/0")], []),              # a prefix of the other family
    ([rule("ingress"), rule("ingress", "IPv6")], []),                # ingress is not egress
])
def test_egress_families_count_only_egress_to_anywhere(rules, families):
    assert sg.egress_families(rules) == families


def test_foreign_ingress_is_every_remote_but_the_group_itself():
    rules = UPSTREAM_DEFAULT + [rule("ingress", protocol="tcp", low=22, prefix="10.0.0.0/8"),
                                rule("ingress", protocol="tcp", low=80, group="g2"),
                                rule("ingress", protocol="icmp", prefix="0.0.0.0/0"),
                                rule("ingress", "IPv6", protocol="tcp", low=443)]
    assert sg.foreign_ingress(rules, "g1") == ["IPv4 icmp 0.0.0.0/0", "IPv4 tcp:22 10.0.0.0/8",
                                               "IPv4 tcp:80 group", "IPv6 tcp:443 any"]
    assert sg.open_to_world(rules) == ["icmp", "tcp:443"]


def test_the_template_is_split_into_what_default_and_custom_groups_get():
    template = [dict(rule("ingress", group="PARENT"), used_in_default_sg=True, used_in_non_default_sg=False),
                dict(rule("egress"), used_in_default_sg=True, used_in_non_default_sg=True),
                dict(rule("ingress", protocol="tcp", low=22, prefix="0.0.0.0/0"),
                     used_in_default_sg=False, used_in_non_default_sg=True)]
    assert sorted(map(sg.template_text, template)) == [
        "both egress IPv4 any any", "custom ingress IPv4 tcp:22 0.0.0.0/0", "default ingress IPv4 any self"]
    default, custom = sg.template_for(template, True), sg.template_for(template, False)
    assert sg.foreign_ingress(default, sg.PARENT) == [] and sg.egress_families(default) == ["IPv4"]
    assert sg.foreign_ingress(custom, sg.PARENT) == ["IPv4 tcp:22 0.0.0.0/0"]


def test_nova_rules_from_the_group_itself_are_self():
    nova = {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "ip_range": {}, "group": {"name": "default"}}
    converted = sg.from_nova(nova, "default")
    assert sg.rule_text(converted, sg.PARENT) == "IPv4 tcp:22 self"
    assert sg.foreign_ingress([converted], sg.PARENT) == []
    world = sg.from_nova({"ip_protocol": "icmp", "from_port": -1, "to_port": -1,
                          "ip_range": {"cidr": "0.0.0.0/0"}, "group": {}}, "default")
    assert sg.rule_text(world) == "IPv4 icmp 0.0.0.0/0"


@pytest.mark.parametrize("status, body, outcome", [
    (201, {"security_group_rule": {"id": "r"}}, sg.ADDED),
    (409, {"NeutronError": {"type": "SecurityGroupRuleExists", "message": "Rule id is r."}}, sg.PRESENT),
    (409, {"NeutronError": {"type": "OverQuota", "message": "Quota exceeded"}}, sg.REFUSED),
    (403, {"NeutronError": {"type": "PolicyNotAuthorized", "message": "disallowed"}}, sg.REFUSED),
    (400, None, sg.REFUSED),
])
def test_a_rule_posts_answer_means_added_already_present_or_refused(status, body, outcome):
    assert sg.post_outcome(status, body) == outcome


def test_the_probe_rule_depends_on_the_run_and_avoids_rules_the_group_has():
    first = sg.probe_rule("run-a", [])
    assert first == sg.probe_rule("run-a", []) and first != sg.probe_rule("run-b", [])
    assert first["remote_ip_prefix"].startswith("192.0.2.") and 20000 <= first["port_range_min"] < 60000
    assert sg.probe_rule("run-a", [first]) != first


# -- reads ---------------------------------------------------------------------------------------
@pytest.fixture
def cloud(tmp_path):
    return StubCloud({"network": "http://n", "compute": "http://c/v2.1"}, tmp_path, run_id="run-1")


def observer():
    seen = {}
    return seen, seen.__setitem__


def _extensions(cloud, *aliases):
    cloud.mock.register_uri("GET", f"{N}/extensions", json={"extensions": [{"alias": a} for a in aliases]})


UNREADABLE = stub_cloud.UNREADABLE


@pytest.mark.parametrize("reply", UNREADABLE)
def test_an_unreadable_extension_list_is_unknown_never_none(cloud, reply):
    cloud.mock.register_uri("GET", f"{N}/extensions", **reply)
    with pytest.raises(Unknown):
        probe.source(cloud)


def test_neutron_without_the_extension_says_none(cloud):
    _extensions(cloud, "router")
    assert probe.source(cloud) == "None"
    _extensions(cloud, "router", "security-group")
    cloud.forget()
    assert probe.source(cloud) == "neutron"


@pytest.mark.parametrize("status", [404, 410])
def test_no_working_neutron_and_no_nova_api_says_none(cloud, status):
    cloud.mock.register_uri("GET", f"{N}/extensions", status_code=404, text="404 Not Found")
    cloud.mock.register_uri("GET", NOVA_GROUPS, status_code=status, json={})
    assert probe.source(cloud) == "None"
    assert cloud.mock.last_request.headers["X-OpenStack-Nova-API-Version"] == compute.LEGACY


def test_nova_groups_make_nova_the_source(cloud):
    del cloud.endpoints_by_type["network"]
    cloud.mock.register_uri("GET", NOVA_GROUPS, json={"security_groups": [{"name": "default", "rules": []}]})
    assert probe.source(cloud) == "nova"


@pytest.mark.parametrize("reply", [{"status_code": 500, "json": {}}, {"status_code": 429},
                                   {"status_code": 200, "json": {"groups": []}}, {"exc": ks.ConnectFailure}])
def test_an_unreadable_nova_group_list_is_unknown(cloud, reply):
    del cloud.endpoints_by_type["network"]
    cloud.mock.register_uri("GET", NOVA_GROUPS, **reply)
    with pytest.raises(Unknown):
        probe.source(cloud)


DEFAULT_LIST = f"{N}/security-groups?name=default&project_id=p1"


def _default_group(cloud, rules):
    _extensions(cloud, "security-group", "port-security")
    cloud.mock.register_uri("GET", DEFAULT_LIST, json={"security_groups": [
        {"id": "g1", "name": "default", "security_group_rules": rules}]})


def test_the_default_group_is_judged_against_upstream(cloud):
    _default_group(cloud, [rule("ingress", group="g1"), rule("egress"),
                           rule("ingress", protocol="tcp", low=22, prefix="10.0.0.0/8")])
    seen, observe = observer()
    probe.test_default_group_ingress(cloud, observe)
    probe.test_default_group_egress(cloud, observe)
    assert seen["security_group.default_ingress_foreign"] == ["IPv4 tcp:22 10.0.0.0/8"]
    assert seen["security_group.default_open_ports"] == []
    assert seen["security_group.default_egress_families"] == ["IPv4"]


@pytest.mark.parametrize("reply", [{"status_code": 500, "json": {}}, {"status_code": 200, "text": "[trunc"},
                                   {"exc": ks.ConnectTimeout}])
def test_an_unreadable_default_group_is_unknown(cloud, reply):
    _extensions(cloud, "security-group")
    cloud.mock.register_uri("GET", DEFAULT_LIST, **reply)
    for test in (probe.test_default_group_ingress, probe.test_default_group_egress):
        with pytest.raises(Unknown):
            test(cloud, observer()[1])


@pytest.mark.parametrize("reply", [{"status_code": 500, "json": {}}, {"status_code": 403, "json": {}},
                                   {"status_code": 200, "json": {"rules": []}}])
def test_an_unreadable_template_is_unknown(cloud, reply):
    _extensions(cloud, "security-group", "security-groups-default-rules")
    cloud.mock.register_uri("GET", f"{N}/default-security-group-rules", **reply)
    with pytest.raises(Unknown):
        probe.test_rule_template(cloud, observer()[1])


def test_no_template_extension_is_observed_as_none_and_skipped(cloud):
    _extensions(cloud, "security-group")
    seen, observe = observer()
    with pytest.raises(pytest.skip.Exception):
        probe.test_rule_template(cloud, observe)
    assert seen == {"security_group.template": None}


def _new_group(cloud, rules=()):
    _extensions(cloud, "security-group")
    cloud.mock.register_uri("POST", f"{N}/security-groups", status_code=201, json={"security_group": {
        "id": "g9", "name": "osi-test-secgroup", "security_group_rules": [
            dict(r, security_group_id="g9") for r in [rule("egress"), rule("egress", "IPv6"), *rules]]}})
    cloud.mock.register_uri("DELETE", f"{N}/security-groups/g9", status_code=204)
    cloud.mock.register_uri("DELETE", f"{N}/security-group-rules/r1", status_code=204)


def _rule_posts(cloud, *replies):
    cloud.mock.register_uri("POST", f"{N}/security-group-rules", replies)


def test_a_new_group_adds_only_a_per_run_rule_and_reads_tcp22_from_its_rules(cloud):
    _new_group(cloud)
    _rule_posts(cloud, {"status_code": 201, "json": {"security_group_rule": {"id": "r1"}}})
    seen, observe = observer()
    probe.test_new_group_rules(cloud, observe)
    posted = [r.json()["security_group_rule"] for r in cloud.mock.request_history if r.method == "POST"
              and r.url.endswith("security-group-rules")]
    assert len(posted) == 1 and posted[0]["remote_ip_prefix"].startswith("192.0.2.")
    assert seen["security_group.rule_add_remove"] is True and seen["security_group.new_group_ssh"] == "absent"
    assert seen["security_group.new_group_egress_families"] == ["IPv4", "IPv6"]
    assert cloud.journaled() == [("secgroup", "deleted")]


def test_tcp22_that_the_group_already_has_is_already_present_not_refused(cloud):
    _new_group(cloud, [rule("ingress", protocol="tcp", low=22, prefix="0.0.0.0/0")])
    _rule_posts(cloud, {"status_code": 201, "json": {"security_group_rule": {"id": "r1"}}})
    seen, observe = observer()
    probe.test_new_group_rules(cloud, observe)
    assert seen["security_group.rule_add_remove"] is True
    assert seen["security_group.new_group_ssh"] == "already-present"
    assert seen["security_group.new_group_ingress_foreign"] == ["IPv4 tcp:22 0.0.0.0/0"]


def test_a_refused_rule_fails_with_the_answer_and_the_group_still_goes(cloud):
    """Adding a rule is the flow's fourth step (required): a member who cannot is a fail."""
    _new_group(cloud)
    _rule_posts(cloud, {"status_code": 403, "json": {"NeutronError": {
        "type": "PolicyNotAuthorized", "message": "(rule:create_security_group_rule) is disallowed"}}})
    seen, observe = observer()
    with pytest.raises(AssertionError, match="cannot add a security group rule: HTTP 403 PolicyNotAuthorized"):
        probe.test_new_group_rules(cloud, observe)
    assert seen["security_group.rule_add_remove"] is False
    assert seen["security_group.new_group_ssh"] == "absent"     # read from the group, not added
    assert cloud.journaled() == [("secgroup", "deleted")]


@pytest.mark.parametrize("reply", [{"status_code": 500, "json": {}}, {"status_code": 429},
                                   {"status_code": 409, "text": "<html>"}, {"exc": ks.ConnectFailure}])
def test_an_unreadable_rule_post_is_unknown_and_the_group_still_goes(cloud, reply):
    _new_group(cloud)
    _rule_posts(cloud, reply)
    with pytest.raises(Unknown):
        probe.test_new_group_rules(cloud, observer()[1])
    assert cloud.journaled() == [("secgroup", "deleted")]


@pytest.mark.parametrize("reply", [{"status_code": 500, "json": {}}, {"status_code": 201, "text": "{trunc"},
                                   {"exc": ks.ConnectTimeout}])
def test_an_unreadable_group_post_is_unknown(cloud, reply):
    _extensions(cloud, "security-group")
    cloud.mock.register_uri("POST", f"{N}/security-groups", **reply)
    with pytest.raises(Unknown):
        probe.test_new_group_rules(cloud, observer()[1])


NETWORKS = {"networks": [
    {"id": "n1", "name": "private", "project_id": "p1", "shared": False, "port_security_enabled": True},
    {"id": "n2", "name": "direct", "project_id": "other", "shared": True, "port_security_enabled": False},
    {"id": "n3", "name": "ext", "project_id": "other", "shared": False, "port_security_enabled": False}]}


def _subnets(cloud):
    cloud.mock.register_uri("GET", f"{N}/subnets", json={"subnets": []})


def test_networks_without_port_security_are_named(cloud):
    _extensions(cloud, "security-group", "port-security")
    cloud.mock.register_uri("GET", f"{N}/networks", json=NETWORKS)
    _subnets(cloud)
    seen, observe = observer()
    probe.test_port_security_of_networks(cloud, observe)
    assert seen == {"security_group.not_enforced_on": ["direct"]}     # ext cannot take a server


def test_without_the_extension_groups_are_always_enforced(cloud):
    _extensions(cloud, "security-group")
    cloud.mock.register_uri("GET", f"{N}/networks", json={"networks": [{"id": "n1", "project_id": "p1"}]})
    _subnets(cloud)
    seen, observe = observer()
    probe.test_port_security_of_networks(cloud, observe)
    assert seen == {"security_group.not_enforced_on": []}


def test_a_missing_attribute_with_the_extension_is_unknown(cloud):
    _extensions(cloud, "security-group", "port-security")
    cloud.mock.register_uri("GET", f"{N}/networks", json={"networks": [{"id": "n1", "project_id": "p1"}]})
    _subnets(cloud)
    with pytest.raises(Unknown):
        probe.test_port_security_of_networks(cloud, observer()[1])


def _server(cloud):
    _extensions(cloud, "security-group", "port-security")
    cloud.mock.register_uri("GET", f"{N}/networks", json=NETWORKS)
    return SimpleNamespace(server={"id": "s1"}, detail=None)


def test_the_servers_own_ports_say_whether_groups_apply(cloud):
    server = _server(cloud)
    cloud.mock.register_uri("GET", f"{N}/ports?device_id=s1", json={"ports": [
        {"id": "p1", "network_id": "n2", "port_security_enabled": False, "security_groups": []}]})
    seen, observe = observer()
    probe.test_server_ports_enforced(cloud, server, observe)
    assert seen == {"security_group.server_not_enforced_on": ["direct"]}


@pytest.mark.parametrize("reply", [{"status_code": 500, "json": {}}, {"status_code": 200, "json": {"port": []}},
                                   {"exc": ks.ConnectTimeout}])
def test_unreadable_server_ports_are_unknown(cloud, reply):
    server = _server(cloud)
    cloud.mock.register_uri("GET", f"{N}/ports?device_id=s1", **reply)
    with pytest.raises(Unknown):
        probe.test_server_ports_enforced(cloud, server, observer()[1])


def test_a_probe_rule_the_cloud_says_exists_is_found_and_removed(cloud):
    _new_group(cloud)
    _rule_posts(cloud, {"status_code": 409, "json": {"NeutronError": {"type": "SecurityGroupRuleExists"}}},
                {"status_code": 201, "json": {"security_group_rule": {"id": "r1"}}})
    held = dict(sg.probe_rule("run-1", []), id="r1", security_group_id="g9")
    cloud.mock.register_uri("GET", f"{N}/security-group-rules?security_group_id=g9",
                            json={"security_group_rules": [held]})
    seen, observe = observer()
    probe.test_new_group_rules(cloud, observe)
    assert seen["security_group.rule_add_remove"] is True
    deletes = [r.url for r in cloud.mock.request_history if r.method == "DELETE"]
    assert deletes[0].endswith("/security-group-rules/r1")


def test_a_409_for_a_rule_the_group_does_not_list_is_unknown(cloud):
    _new_group(cloud)
    _rule_posts(cloud, {"status_code": 409, "json": {"NeutronError": {"type": "SecurityGroupRuleExists"}}})
    cloud.mock.register_uri("GET", f"{N}/security-group-rules?security_group_id=g9",
                            json={"security_group_rules": []})
    with pytest.raises(Unknown, match="lists no such rule"):
        probe.test_new_group_rules(cloud, observer()[1])


def test_a_nova_default_group_without_its_rules_is_unknown(cloud):
    del cloud.endpoints_by_type["network"]
    cloud.mock.register_uri("GET", NOVA_GROUPS, json={"security_groups": [{"name": "default"}]})
    with pytest.raises(Unknown, match="no 'rules' list"):
        probe.test_default_group_ingress(cloud, observer()[1])
    cloud.mock.register_uri("GET", NOVA_GROUPS, json={"security_groups": [{"name": "default", "rules": [
        {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "ip_range": {"cidr": "0.0.0.0/0"}, "group": {}}]}]})
    cloud.forget()
    seen, observe = observer()
    probe.test_default_group_ingress(cloud, observe)
    assert seen["security_group.default_open_ports"] == ["tcp:22"]
    with pytest.raises(pytest.skip.Exception, match="egress is not filtered"):
        probe.test_default_group_egress(cloud, observe)


@pytest.mark.parametrize("rules, state", [
    ([], "absent"),
    ([rule("ingress", protocol="tcp", low=22, prefix="0.0.0.0/0")], "already-present"),
    ([rule("ingress", protocol="tcp", low=1, high=1024, prefix="0.0.0.0/0")], "already-present"),
    ([rule("ingress", prefix="0.0.0.0/0")], "already-present"),                 # any protocol, any port
    ([rule("ingress", protocol="tcp", low=22, prefix="10.0.0.0/8")], "absent"),  # not from anywhere
    ([rule("ingress", protocol="udp", low=22, prefix="0.0.0.0/0")], "absent"),
    ([rule("egress", protocol="tcp", low=22, prefix="0.0.0.0/0")], "absent"),
])
def test_tcp22_from_anywhere_is_read_from_the_rules_a_group_shows(rules, state):
    assert sg.ssh_state(rules) == state
