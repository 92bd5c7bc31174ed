"""Reporters: results documents in, rendered text or JSON out; they never touch a cloud.

matrix: the divergence matrix across clouds · profile: the openstacksdk vendor profile a run
implies · profile_diff: a run against a published profile · profile_update: a published vendor
file rewritten with what runs observed · sdk_vendors: openstacksdk's files and reading rules.
"""
