"""Reporters: results documents in, rendered text, HTML, XML or JSON out; they never touch a cloud.

matrix: the divergence matrix model (matrix_text renders it as text and markdown, html as one
offline page with each cell's evidence, junit as one testcase per cloud × capability) ·
compare: what changed between two runs · profile: the openstacksdk vendor profile a run
implies · profile_diff: a run against a published profile · profile_update: a published vendor
file rewritten with what runs observed · sdk_vendors: openstacksdk's files and reading rules.
"""
