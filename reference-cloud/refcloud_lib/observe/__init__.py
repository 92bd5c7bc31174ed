"""Independent observation of a running cloud, in os-interop's vocabulary.

`refcloud check` uses these to prove that a configuration's declared
`expected_observations` hold on the genuine services. They follow the
definitions in capabilities/*.yaml with plain REST calls; they share no
code with os-interop's own probes on purpose (a second opinion).
"""
