# Machine Learning for Big Scientific Data: the course's commands.
#   make lab      set up .venv when missing, then open JupyterLab at the course root
#   make test     same set-up, then the whole test suite
# Also: hub, release, outputs, site, grade, bench, lock, clean-venv.  `make help` lists them.

PYTHON   ?= python3
VENV     ?= .venv
EXTRAS   ?= cpu,instructor,test,hub
PORT     ?= 8888
LAB_ARGS ?=
PYTEST_ARGS ?= --durations=20 -n 2 --dist loadscope
ASSIGNMENT ?=
GRADE_ARGS ?=
HUB_PORT ?= 8000
HUB_EXCHANGE ?= /srv/nbgrader/exchange

BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
comma    := ,
# nbgrader runs `alembic` as a subprocess: the venv's bin/ must be on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export TF_CPP_MIN_LOG_LEVEL ?= 3
export PYTHONDONTWRITEBYTECODE := 1
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: help lab hub test release outputs grade bench lock venv colab-env site check-system clean-venv

help:
	@sed -n '2,5p' Makefile | sed 's/^# //'

check-system:
	@$(PYTHON) tools/check_system.py

$(STAMP): pyproject.toml constraints.txt tests/widgets/ipywidgets7.txt | check-system
	@[ -x $(BIN)/python ] || { echo "Creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing the course into $(VENV) (extras: $(EXTRAS)); the first time takes a few minutes..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[$(EXTRAS)]" 2>&1 | grep -v "^WARNING: Location" ; \
	  $(BIN)/python -c "import course, autograder, nbgrader, jupyterlab" || { echo "Installation failed: see the pip messages above."; exit 1; }
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --upgrade --target $(VENV)/ipywidgets7 \
	  -r tests/widgets/ipywidgets7.txt 2>&1 | grep -v "^WARNING: Location" ; true
	@$(BIN)/jupyter server extension enable --sys-prefix nbgrader.server_extensions.formgrader >/dev/null 2>&1 || true
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

# JupyterHub's proxy (configurable-http-proxy, from npm) inside the venv: make hub and tests/hub use it.
CHP_STAMP := $(VENV)/node/.installed-chp5
$(CHP_STAMP): | $(STAMP)
	@command -v npm >/dev/null || { echo "npm is missing (JupyterHub's proxy comes from npm): apt-get install -y nodejs npm"; exit 1; }
	@echo "Installing configurable-http-proxy 5 (JupyterHub's proxy) into $(VENV)/node..."
	@npm install --silent --no-audit --no-fund --prefix $(VENV)/node configurable-http-proxy@5 >/dev/null
	@$(VENV)/node/node_modules/.bin/configurable-http-proxy --version >/dev/null
	@touch $@

# A Colab-like runtime for tests/colab: Colab's published package versions (tests/colab/pip-freeze.txt)
# on this machine's python3, kept between runs and rebuilt when the pins change.
COLAB      := $(VENV)/colab
COLAB_STAMP := $(COLAB)/.installed
$(COLAB_STAMP): tests/colab/requirements.txt tests/colab/pip-freeze.txt | check-system
	@rm -rf $(COLAB)
	@echo "Building the Colab-like environment in $(COLAB) (Colab's package versions; a few minutes the first time)..."
	@$(PYTHON) -m venv $(COLAB)
	@$(COLAB)/bin/python -m pip install --quiet --disable-pip-version-check \
	  -r tests/colab/requirements.txt -c tests/colab/pip-freeze.txt 2>&1 | grep -v "^WARNING: Location" ; \
	  $(COLAB)/bin/python -c "import tensorflow, ipywidgets, ipykernel" || { echo "Building $(COLAB) failed: see the pip messages above."; exit 1; }
	@touch $@

colab-env: $(COLAB_STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --ServerApp.port=$(PORT) $(ROOT_FLAG) $(LAB_ARGS)

# A multi-user JupyterHub on this machine: real accounts log in with their passwords (PAM);
# instructors (COURSE_INSTRUCTORS, default: instructor) get formgrader and ~/mlbigsci, students the
# Assignments tab; nbgrader's exchange is HUB_EXCHANGE (mode 1777). See hub/jupyterhub_config.py.
hub: $(STAMP) $(CHP_STAMP)
	@[ "$$(id -u)" = 0 ] || { echo "make hub starts each user's server as that user, so it runs as root: sudo make hub"; exit 1; }
	@mkdir -p $(HUB_EXCHANGE) && chmod 1777 $(HUB_EXCHANGE)
	COURSE_EXCHANGE=$(HUB_EXCHANGE) HUB_PORT=$(HUB_PORT) $(BIN)/jupyterhub -f hub/jupyterhub_config.py

test: $(STAMP) $(COLAB_STAMP) $(CHP_STAMP)
	@$(PYTHON) tools/check_system.py --tests
	$(BIN)/python -m pytest $(PYTEST_ARGS)

release: $(STAMP)
	$(BIN)/python -m autograder release

site: $(STAMP)
	$(BIN)/python -m autograder site

outputs: $(STAMP)
	$(BIN)/python -m autograder store-outputs

grade: $(STAMP)
	@[ -n "$(ASSIGNMENT)" ] || { echo "usage: make grade ASSIGNMENT=NN_slug [GRADE_ARGS='--workers 2 ...']"; exit 2; }
	$(BIN)/python -m autograder grade $(ASSIGNMENT) $(GRADE_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v "^-e" > constraints.txt

clean-venv:
	rm -rf $(VENV)
