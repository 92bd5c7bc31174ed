"""`os-interop prove`: the talk's flow through openstacksdk's own cloud layer, with and without a profile.

A profile is only worth publishing if a real client does better with it. This runs the flow a
multi-cloud application runs — create an image from a tiny file, boot a server with
``auto_ip`` on the smallest flavor, add a security-group rule — once with the vendor profile
applied the way openstacksdk applies one (a ``profile:`` naming an entry of a
clouds-public.yaml vendor file) and once without it, and says per step what the profile
changed. Steps:

- ``image``: ``create_image`` from a tiny file in the format the config names (openstacksdk's
  default qcow2; a profile's ``image_format`` changes it), ``wait=True``;
- ``server``: ``create_server(auto_ip=True, reuse_ips=False, wait=True)`` on the smallest
  flavor, from the provider's first public image (the uploaded one when it has none);
- ``floating_ip``: the server openstacksdk hands back has a public IPv4 (``public_v4``): a
  floating IP where the cloud needs one, its own address on a directly public network;
- ``security_group_rule``: ``create_security_group`` and an ingress tcp/22 rule in it.

openstacksdk makes the requests, so the journal (os_interop/journal.py) cannot wrap them:
every resource is journaled with its lookup *before* the call that creates it, its id is
taken from the answer or from that lookup afterwards, and cleanup is the journal's own,
also after a failed step and Ctrl-C. Floating IPs openstacksdk allocates carry no name: new
ids attached to the flow's server are proved ours; new unattached ones are reported as
possibly left, never deleted. Nothing ever connects to a server's address.
"""


from os_interop.prove.config import (LOCATION_KEYS, behaviour_keys, cloud_entry, connect, load_profile,
                                     profile_body)
from os_interop.prove.flow import STEPS, Flow, FlowResult, redactor_for, requester, run_flow
from os_interop.prove.proof import MODES, Proof, difference, main, prove, render, single_keys

__all__ = ["LOCATION_KEYS", "MODES", "STEPS", "Flow", "FlowResult", "Proof", "behaviour_keys", "cloud_entry",
           "connect", "difference", "load_profile", "main", "profile_body", "prove", "redactor_for", "render",
           "requester", "run_flow", "single_keys"]
