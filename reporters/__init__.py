"""Reporters: results documents in, rendered text or JSON out; they never touch a cloud.

matrix: the divergence matrix across clouds · profile: the openstacksdk vendor profile a run
implies, its .well-known form, and a diff against a published profile.
"""
