# How the post starts named IEx nodes for its network step. The post's
# text has an em dash where the shell needs two hyphens; `seed` is the
# post's line, `fixed` is the one to type.
# ANCHOR: seed
~ iex —sname room1
# ANCHOR_END: seed
# ANCHOR: fixed
iex --sname room1
# ANCHOR_END: fixed
