"""Ketamine evidence pipeline: PubMed in, classified evidence out."""
