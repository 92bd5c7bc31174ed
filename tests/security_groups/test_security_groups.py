"""Security groups as a client meets them: which API has them, what the default group, a new
group and the rule template let in and out (compared with upstream's default), whether a rule
can be added, and whether groups are enforced at all on the networks a server lands on.

Every read goes through cloud.answer (answers.py): an answer that cannot be read is Unknown
and makes the capability `error`, never "no security groups" or an empty rule list."""

import pytest

from os_interop import answers, journal
from os_interop.answers import Unknown
from os_interop.apis import compute, network
from os_interop.apis import security_groups as sg

GONE = {404: answers.EMPTY, 410: answers.EMPTY}   # nova: no such API (2.36+, nova-network removed)
# a member's refusals are facts (403 policy, 400 validation, 409 conflict); 401 and 429 are not
DECLINED = {**{s: answers.EMPTY for s in range(400, 500) if s not in (401, 429)}, 409: answers.JSON}


def _nova_groups(cloud):
    """nova's os-security-groups (legacy microversion); None when nova has no such API."""
    where = compute.url(cloud, "/os-security-groups")
    if where is None:
        return None
    found = cloud.answer("GET", where, {200: answers.JSON, **GONE},
                         headers=compute.headers(compute.LEGACY))
    if found.status != 200:
        return None
    groups = answers.field(found, "security_groups")
    if not isinstance(groups, list):
        raise Unknown(f"GET {where}: 'security_groups' is not a list", found.evidence_id)
    return groups


def source(cloud):
    """neutron, nova, or "None" only where the cloud says so: neutron lists no security-group
    extension, or there is no working neutron and nova has no security-group API."""
    extensions = network.extensions(cloud)
    if extensions is not None:
        return "neutron" if "security-group" in extensions else "None"
    return "nova" if _nova_groups(cloud) is not None else "None"


def test_secgroup_source(cloud, observe):
    observe("security_group.source", source(cloud))


# -- the default group ---------------------------------------------------------------------------
def _default_group_rules(cloud, kind):
    """(rules in neutron's vocabulary, the group's id) of the project's default group."""
    if kind == "nova":
        group = next((g for g in _nova_groups(cloud) if g.get("name") == "default"), None)
        assert group, "nova lists no default security group"
        if not isinstance(group.get("rules"), list):
            raise Unknown("GET os-security-groups: the default group has no 'rules' list")
        return [sg.from_nova(r, "default") for r in group["rules"]], sg.PARENT
    groups = network.listing(cloud, "security-groups", f"?name=default&project_id={cloud.project_id}")
    assert groups, "the project has no default security group"
    group = groups[0]
    rules = group.get("security_group_rules")
    if rules is None:
        rules = network.listing(cloud, "security-group-rules", f"?security_group_id={group['id']}")
    return rules, group["id"]


def _with_groups(cloud):
    kind = source(cloud)
    if kind == "None":
        pytest.skip("the cloud has no security groups")
    return kind


def test_default_group_ingress(cloud, observe):
    rules, group_id = _default_group_rules(cloud, _with_groups(cloud))
    observe("security_group.default_ingress", sg.split(rules, group_id)[0])
    observe("security_group.default_ingress_foreign", sg.foreign_ingress(rules, group_id))
    observe("security_group.default_open_ports", sg.open_to_world(rules))


def test_default_group_egress(cloud, observe):
    kind = _with_groups(cloud)
    if kind == "nova":
        pytest.skip("nova-network security groups have no egress rules: egress is not filtered")
    rules, group_id = _default_group_rules(cloud, kind)
    observe("security_group.default_egress", sg.split(rules, group_id)[1])
    observe("security_group.default_egress_families", sg.egress_families(rules))


# -- the template ----------------------------------------------------------------------------------
def test_rule_template(cloud, observe):
    if "security-groups-default-rules" not in (network.extensions(cloud) or set()):
        observe("security_group.template", None)
        pytest.skip("no default-security-group-rules template: the extension is not listed")
    rules = network.listing(cloud, "default-security-group-rules")
    observe("security_group.template", sorted(sg.template_text(r) for r in rules))
    for subject, default in (("default", True), ("custom", False)):
        used = sg.template_for(rules, default)
        observe(f"security_group.template_{subject}_ingress_foreign", sg.foreign_ingress(used, sg.PARENT))
        observe(f"security_group.template_{subject}_egress_families", sg.egress_families(used))


# -- a new group, and adding rules -----------------------------------------------------------------
def _create_group(cloud):
    """Create the run's group, journaled before the call and found again by name; (entry, group)."""
    entry = cloud.resources.intend("secgroup", journal.by_name(network.url(cloud, "/security-groups?name={name}")),
                                   network.url(cloud, "/security-groups/{id}"))   # its rules go with it
    created = cloud.resources.create(entry, lambda: cloud.answer(
        "POST", network.url(cloud, "/security-groups"), {201: answers.JSON, **DECLINED},
        json={"security_group": {"name": entry.name, "description": f"os-interop run {cloud.run_id}"}}),
        id_of=lambda a: answers.field(a, "security_group", "id"), refused=lambda a: a.status != 201)
    assert created.status == 201, f"creating a security group answered {_refusal(cloud, created)}"
    return entry, answers.field(created, "security_group")


def _delete_group(cloud, entry, group):
    """The probe's own delete, from a `finally`: when its answer is lost or refused the group
    stays in the journal and the run's cleanup deletes it, so what the probe found stands
    (and an Unknown the probe raised is not replaced by this one)."""
    try:
        deleted = cloud.answer("DELETE", network.url(cloud, f"/security-groups/{group['id']}"),
                               {204: answers.EMPTY, **DECLINED})
    except Unknown:
        return
    if deleted.status == 204:
        cloud.resources.mark(entry, "deleted")


def _add_rule(cloud, group, rule):
    """POST one rule; (outcome, the new rule's id or None, the answer)."""
    posted = cloud.answer("POST", network.url(cloud, "/security-group-rules"), {201: answers.JSON, **DECLINED},
                          json={"security_group_rule": {"security_group_id": group["id"], **rule}})
    outcome = sg.post_outcome(posted.status, posted.body)   # 409 is read as JSON: Exists or not
    rule_id = answers.field(posted, "security_group_rule", "id") if outcome == sg.ADDED else None
    return outcome, rule_id, posted


def _held_rule(cloud, group, rule, posted):
    """The id of the group's rule a 409 SecurityGroupRuleExists was about."""
    held = network.listing(cloud, "security-group-rules", f"?security_group_id={group['id']}")
    match = next((r for r in held if sg.rule_text(r) == sg.rule_text(rule)), None)
    if match is None:
        raise Unknown("POST security-group-rules answered 409 SecurityGroupRuleExists, but the group "
                      "lists no such rule", posted.evidence_id)
    return match["id"]


def _refusal(cloud, answer):
    return sg.refusal(answer.status, cloud.json(answer.response))


def _remove_rule(cloud, rule_id):
    removed = cloud.answer("DELETE", network.url(cloud, f"/security-group-rules/{rule_id}"),
                           {204: answers.EMPTY, **DECLINED})
    return removed.status == 204, removed


def _probe_rules(cloud, group, observe):
    """A rule no group can hold before this run, added and removed: can a member change rules?"""
    probe_rule = sg.probe_rule(cloud.run_id, group.get("security_group_rules", []))
    outcome, rule_id, posted = _add_rule(cloud, group, probe_rule)
    if outcome == sg.PRESENT:        # cannot happen; if the cloud says so, remove what it holds
        rule_id = _held_rule(cloud, group, probe_rule, posted)
    removed, answer = _remove_rule(cloud, rule_id) if rule_id else (False, posted)
    observe("security_group.rule_add_remove", removed)
    assert removed, f"a member cannot {'remove' if rule_id else 'add'} a security group rule: " \
                    f"{_refusal(cloud, answer)}"


def test_new_group_rules(cloud, observe):
    if source(cloud) != "neutron":
        pytest.skip(f"creating groups is probed on neutron only (source: {source(cloud)})")
    entry, group = _create_group(cloud)
    try:
        rules = group.get("security_group_rules", [])
        ingress, egress = sg.split(rules, group["id"])
        observe("security_group.new_group_ingress", ingress)
        observe("security_group.new_group_egress", egress)
        observe("security_group.new_group_ingress_foreign", sg.foreign_ingress(rules, group["id"]))
        observe("security_group.new_group_egress_families", sg.egress_families(rules))
        # tcp/22 from anywhere, what deployment tools add first: there already (409), or not
        observe("security_group.new_group_ssh", sg.ssh_state(rules))
        _probe_rules(cloud, group, observe)
    finally:
        _delete_group(cloud, entry, group)


# -- are groups enforced where servers land? -------------------------------------------------------
def _port_security(cloud):
    """Whether neutron can switch filtering off per network and port (extension port-security)."""
    kind = source(cloud)
    if kind != "neutron":
        pytest.skip(f"port security is a neutron attribute (security groups: {kind})")
    return "port-security" in network.extensions(cloud)


def _unenforced(item, where, extension):
    """True when neutron filters nothing for this network or port."""
    if not extension:
        return False                # no port-security extension: groups always apply
    if "port_security_enabled" not in item:
        raise Unknown(f"{where}: no port_security_enabled although the port-security extension is listed")
    return item["port_security_enabled"] is False


def test_port_security_of_networks(cloud, observe):
    extension = _port_security(cloud)
    attachable = network.candidates(network.topology(cloud))   # the project's own and shared ones
    observe("security_group.not_enforced_on", sorted(
        network.name_of(n) for n in attachable if _unenforced(n, "GET networks", extension)))


def test_server_ports_enforced(cloud, run_server, observe):
    extension = _port_security(cloud)
    if run_server.server is None:
        pytest.skip(f"no server could be booted: {run_server.detail}")
    ports = network.listing(cloud, "ports", f"?device_id={run_server.server['id']}")
    assert ports, "neutron lists no port for the run's server"
    names = {n["id"]: network.name_of(n) for n in network.listing(cloud, "networks")}
    observe("security_group.server_not_enforced_on", sorted(
        names.get(p.get("network_id"), p.get("network_id")) for p in ports
        if _unenforced(p, "GET ports", extension)))
