"""Optimizers written from scratch: every one of torch.optim, equal to it step by step,
and Lion, Schedule-Free and Prodigy, equal to their authors' algorithms and packages.

Every class subclasses `torch.optim.Optimizer`, so param groups, state_dicts,
hooks and lr schedulers work unchanged; every numeric hyperparameter may be a
number or a tensor broadcastable to the parameter.

Examples
--------
>>> from descentlab import optim
>>> optim.available()[:4]
['sgd', 'momentum', 'nesterov', 'adagrad']
"""

from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .base import Optimizer
from .lbfgs import LBFGS
from .lion import Lion
from .muon import Muon
from .muon_adamw import MuonAdamW
from .nadam import NAdam
from .prodigy import Prodigy
from .radam import RAdam
from .registry import OptimizerInfo, available, info, is_elementwise
from .rmsprop import RMSprop
from .rprop import Rprop
from .schedule import check_scheduler, is_metric_driven, parse_scheduler
from .schedule_free import AdamWScheduleFree, SGDScheduleFree
from .sgd import SGD
from .sparse_adam import SparseAdam
from .spec import OptimizerSpec, create, parse

__all__ = [
    "ASGD",
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "AdamWScheduleFree",
    "Adamax",
    "Lion",
    "Muon",
    "MuonAdamW",
    "NAdam",
    "Optimizer",
    "OptimizerInfo",
    "OptimizerSpec",
    "Prodigy",
    "RAdam",
    "RMSprop",
    "Rprop",
    "SGDScheduleFree",
    "SparseAdam",
    "available",
    "check_scheduler",
    "create",
    "info",
    "is_elementwise",
    "is_metric_driven",
    "parse",
    "parse_scheduler",
]
