variable "truenas_memory" {
  description = "RAM for TrueNAS, MiB (set in terraform.tfvars)"
  type        = number
}

variable "talos_cpu" {
  type    = string
  default = "host"
}
