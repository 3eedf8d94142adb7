"""Results of a campaign: the report's tables computed from raw answers.

tables, units, representativeness, trends, charts: pure computations.
data: the ORM loading (constant number of queries). report: assembly.
xlsx: the download.
"""
