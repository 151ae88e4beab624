variable "vm_name" { type = string }
variable "vm_node_name" { type = string }
variable "vm_id" { type = number }
variable "memory" { type = number }

variable "cores" {
  type    = number
  default = 2
}

variable "cpu_type" {
  type    = string
  default = "x86-64-v2-AES"
}

variable "machine" {
  type    = string
  default = "q35"
}

variable "hostpci" {
  type = list(object({
    mapping = string
    pcie    = bool
    rombar  = optional(bool, true)
  }))
  default = []
}
