"""Features built on the read side: related papers, the daily digest page, and the index doctor."""
