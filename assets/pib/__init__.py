"""PIB (Press Information Bureau, pib.gov.in): discovery, fetch and parse of press releases.

Light on purpose: importing this package loads nothing heavy. Use the sub-modules:

* :mod:`assets.pib.policy`   -- the :class:`~pipelines.http.SourcePolicy` and ministry allow-list
* :mod:`assets.pib.discover` -- day listing via the ``allRel.aspx`` postback, candidate selection
* :mod:`assets.pib.parse`    -- ``parse_release`` (pure) and ``fetch_release``
* :mod:`assets.pib.errors`   -- the error classes
"""
