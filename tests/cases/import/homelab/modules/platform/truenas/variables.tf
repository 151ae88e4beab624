variable "vm_name" { type = string }
variable "vm_node_name" { type = string }
variable "vm_id" { type = number }
variable "memory" { type = number }
variable "hba_mapping" {
  type    = string
  default = "HBA"
}
