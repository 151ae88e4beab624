# A root module as people write them: inputs without defaults (set per environment in a
# tfvars file this repository does not have), a datastore read from a data source, and a
# wrapper module for the Talos worker. hostplan must not invent what it cannot resolve.

variable "memory" {
  description = "TrueNAS RAM in MiB (set in prod.tfvars)"
  type        = number
}

variable "cpu_flavour" {
  type = string
}

variable "cpu_level" {
  type    = string
  default = "v2-AES"
}

data "proxmox_virtual_environment_datastores" "srv01" {
  node_name = "srv01"
}

locals {
  datastore = data.proxmox_virtual_environment_datastores.srv01.datastore_ids[0]
}

resource "proxmox_virtual_environment_vm" "truenas" {
  name      = "truenas"
  node_name = "srv01"
  vm_id     = 100
  machine   = "q35"

  cpu {
    cores = 4
    type  = "x86-64-${var.cpu_level}"
  }

  memory {
    dedicated = var.memory
    floating  = 0
  }

  disk {
    datastore_id = local.datastore
    interface    = "scsi0"
    size         = 32
  }

  hostpci {
    device  = "hostpci0"
    mapping = "HBA"
    pcie    = true
    rombar  = false
  }
}

module "talos_w1" {
  source               = "../../modules/compute"
  vm_name              = "talos-w1"
  vm_node_name         = "srv01"
  vm_id                = 211
  res_cpu_cores        = 4
  res_dedicated_memory = 8192
  res_cpu_type         = "host ${var.cpu_flavour}"
}
