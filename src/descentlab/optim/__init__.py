"""Classic optimizers written from scratch, equal step by step to torch.optim.

Every class subclasses `torch.optim.Optimizer`, so param groups, state_dicts,
hooks and lr schedulers work unchanged; every numeric hyperparameter may be a
number or a tensor broadcastable to the parameter.

>>> from descentlab import optim
>>> optim.available()[:4]
['sgd', 'momentum', 'nesterov', 'adagrad']
"""

from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .base import Optimizer
from .lion import Lion
from .nadam import NAdam
from .radam import RAdam
from .registry import OptimizerInfo, available, info, is_elementwise
from .rmsprop import RMSprop
from .rprop import Rprop
from .schedule import check_scheduler, is_metric_driven, parse_scheduler
from .sgd import SGD
from .spec import OptimizerSpec, create, parse

__all__ = [
    "ASGD",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Lion",
    "NAdam",
    "Optimizer",
    "OptimizerInfo",
    "OptimizerSpec",
    "RAdam",
    "RMSprop",
    "Rprop",
    "available",
    "check_scheduler",
    "create",
    "info",
    "is_elementwise",
    "is_metric_driven",
    "parse",
    "parse_scheduler",
]
