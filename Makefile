# Two commands do all set-up: `make run` serves the demo, `make test` runs every test.
# Both install whatever is missing into .venv first, from the pinned requirements.txt.
VENV   := .venv
PYTHON ?= python3
STAMP  := $(VENV)/.installed
# The mini-program's jest tests get their node modules the same way, from package-lock.json.
MINIPROGRAM := adapters/wechat/miniprogram
MP_STAMP    := $(MINIPROGRAM)/node_modules/.installed
# The real Xibo player (browser player, its proxy, its XMDS client) the XMDS tests drive.
XIBO_PLAYER := tests/adapters/led_screen/xibo_player
XIBO_STAMP  := $(XIBO_PLAYER)/node_modules/.installed

.PHONY: run test lint clean bench

$(STAMP): requirements.txt pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.txt
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(MP_STAMP): $(MINIPROGRAM)/package-lock.json
	cd $(MINIPROGRAM) && npm ci --no-audit --no-fund
	touch $(MP_STAMP)

$(XIBO_STAMP): $(XIBO_PLAYER)/package-lock.json
	cd $(XIBO_PLAYER) && npm ci --no-audit --no-fund
	touch $(XIBO_STAMP)

run: $(STAMP)
	$(VENV)/bin/hub run

test: $(STAMP) $(MP_STAMP) $(XIBO_STAMP)
	$(VENV)/bin/pytest
	cd $(MINIPROGRAM) && node_modules/.bin/jest --ci

# Style (ruff) and the import rules of .importlinter (layers, adapters through their ports).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) var $(MINIPROGRAM)/node_modules $(XIBO_PLAYER)/node_modules
