// placeholder: the template engine is being written
#pragma once
