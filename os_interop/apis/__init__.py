"""How to reach each OpenStack API on any cloud: base URLs, version documents, shared lists.

Probes call these instead of openstacksdk so every request is explicit and counted; the
answers are cached per cloud (CloudUnderTest.get), so probes sharing a list share a request.
"""
