"""A local stand-in for NCBI E-utilities serving real PubMed records (tests and the demo)."""
