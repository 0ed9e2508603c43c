# Shortcuts for machines that have make; dev.py does the work (it needs only Python 3.11+ and pip).
.PHONY: run test lint translations
run:
	python3 dev.py run
test:
	python3 dev.py test
translations:
	.venv/bin/lms i18n update && .venv/bin/lms i18n compile
